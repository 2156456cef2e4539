#pragma once
// The volume selector of a 4D series (DWI, BOLD, multi-echo): "Volume 12 / 78", a slider and a
// spin box, and what tells the shown volume apart (b-value and gradient, time, echo time). It
// shows only while the scene's base series has more than one volume; switching volumes keeps
// the cursor, the window/level and the cameras (Scene::setVolumeIndex).
#include <QWidget>

class QLabel;
class QSlider;
class QSpinBox;

namespace fw::scene {
class Scene;
}

namespace fw::ui {

class VolumeSelector : public QWidget {
  Q_OBJECT
 public:
  explicit VolumeSelector(scene::Scene* scene, QWidget* parent = nullptr);

  // What the selector says now: "Volume 12 / 78  b = 1000 s/mm², gradient (…)".
  QString text() const;
  QSlider* slider() const { return m_slider; }
  QSpinBox* spinBox() const { return m_spin; }

 public slots:
  void next();      // the following volume (stops at the last)
  void previous();  // the preceding volume (stops at the first)

 private:
  void rebuild();  // a new series: range and visibility
  void sync();     // the shown volume changed

  scene::Scene* m_scene;
  QLabel* m_title;
  QSpinBox* m_spin;
  QLabel* m_count;
  QSlider* m_slider;
  QLabel* m_meta;
};

}  // namespace fw::ui
