#include "fw/ui/VolumeSelector.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>

#include "fw/scene/Scene.h"

namespace fw::ui {

VolumeSelector::VolumeSelector(scene::Scene* scene, QWidget* parent) : QWidget(parent), m_scene(scene) {
  setObjectName("VolumeSelector");
  setAttribute(Qt::WA_StyledBackground);
  setStyleSheet("#VolumeSelector { background: #202226; } #VolumeSelector QLabel { color: #e0e0e0; }");
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 2, 8, 4);
  m_title = new QLabel(tr("Volume"), this);
  m_spin = new QSpinBox(this);
  m_spin->setObjectName("VolumeSpinBox");
  m_spin->setToolTip(tr("Volume of the series shown (Ctrl+Left/Right or [ and ])"));
  m_count = new QLabel(this);
  m_slider = new QSlider(Qt::Horizontal, this);
  m_slider->setObjectName("VolumeSlider");
  m_slider->setToolTip(m_spin->toolTip());
  m_slider->setPageStep(10);
  m_meta = new QLabel(this);
  m_meta->setObjectName("VolumeMetaLabel");
  m_meta->setMinimumWidth(m_meta->fontMetrics().horizontalAdvance("b = 1000 s/mm², gradient (-0.00, -0.00, -0.00)"));
  layout->addWidget(m_title);
  layout->addWidget(m_spin);
  layout->addWidget(m_count);
  layout->addWidget(m_slider, 1);
  layout->addWidget(m_meta);
  // Spin box and slider count from 1, as radiologists do; the scene from 0.
  connect(m_slider, &QSlider::valueChanged, this, [this](int v) { m_scene->setVolumeIndex(v - 1); });
  connect(m_spin, &QSpinBox::valueChanged, this, [this](int v) { m_scene->setVolumeIndex(v - 1); });
  connect(m_scene, &scene::Scene::layersChanged, this, &VolumeSelector::rebuild);
  connect(m_scene, &scene::Scene::volumeIndexChanged, this, &VolumeSelector::sync);
  rebuild();
}

void VolumeSelector::rebuild() {
  const int n = m_scene->volumeCount();
  {
    const QSignalBlocker a(m_slider), b(m_spin);
    m_slider->setRange(1, std::max(1, n));
    m_spin->setRange(1, std::max(1, n));
  }
  m_count->setText(tr("/ %1").arg(n));
  setVisible(n > 1);
  sync();
}

void VolumeSelector::sync() {
  const int i = m_scene->volumeIndex();
  {
    const QSignalBlocker a(m_slider), b(m_spin);
    m_slider->setValue(i + 1);
    m_spin->setValue(i + 1);
  }
  m_meta->setText(m_scene->volumeLabel(i));
}

QString VolumeSelector::text() const {
  const QString head = tr("Volume %1 / %2").arg(m_scene->volumeIndex() + 1).arg(m_scene->volumeCount());
  const QString meta = m_scene->volumeLabel(m_scene->volumeIndex());
  return meta.isEmpty() ? head : head + "  " + meta;
}

void VolumeSelector::next() { m_scene->setVolumeIndex(m_scene->volumeIndex() + 1); }
void VolumeSelector::previous() { m_scene->setVolumeIndex(m_scene->volumeIndex() - 1); }

}  // namespace fw::ui
