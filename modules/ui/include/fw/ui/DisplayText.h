#pragma once
// The user's words for names that come from modules without Qt (rendering's view names and 3D
// presets): translated here, at the ui boundary, where lupdate sees every string.
#include <QString>

#include "fw/rendering/ViewOrientation.h"

namespace fw::ui {

QString viewTitle(rendering::ViewOrientation orientation);  // "Axial", "Coronal", "Sagittal"
QString volumeViewTitle();                                  // "3D"
QString volumePresetLabel(const QString& id);               // "ct-bone" -> "CT bone"

}  // namespace fw::ui
