#include "fw/ui/DisplayText.h"

#include <QCoreApplication>

#include "fw/rendering/VolumeRepresentation.h"

namespace fw::ui {

QString viewTitle(rendering::ViewOrientation orientation) {
  switch (orientation) {
    case rendering::ViewOrientation::Axial: return QCoreApplication::translate("fw::ui", "Axial");
    case rendering::ViewOrientation::Coronal: return QCoreApplication::translate("fw::ui", "Coronal");
    case rendering::ViewOrientation::Sagittal: return QCoreApplication::translate("fw::ui", "Sagittal");
  }
  return QString::fromLatin1(rendering::viewName(orientation));
}

QString volumeViewTitle() { return QCoreApplication::translate("fw::ui", "3D"); }

QString volumePresetLabel(const QString& id) {
  if (id == "ct-bone") return QCoreApplication::translate("fw::ui", "CT bone");
  if (id == "ct-soft-tissue") return QCoreApplication::translate("fw::ui", "CT soft tissue");
  if (id == "mr") return QCoreApplication::translate("fw::ui", "MR");
  // A preset added in rendering without a translation here still shows, in English.
  for (const auto& p : rendering::volumePresets())
    if (id == p.id) return QString::fromLatin1(p.label);
  return id;
}

}  // namespace fw::ui
