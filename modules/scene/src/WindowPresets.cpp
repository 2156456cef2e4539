#include <QCoreApplication>

#include "fw/scene/Scene.h"

namespace fw::scene {

std::vector<WindowPreset> ctWindowPresets() {
  // Widths/levels as commonly used in neuroradiology reading rooms.
  return {
      {"brain", QCoreApplication::translate("fw::scene", "Brain"), 80, 40},
      {"subdural", QCoreApplication::translate("fw::scene", "Subdural"), 200, 75},
      {"stroke", QCoreApplication::translate("fw::scene", "Stroke"), 40, 40},
      {"bone", QCoreApplication::translate("fw::scene", "Bone"), 2800, 600},
      {"soft-tissue", QCoreApplication::translate("fw::scene", "Soft tissue"), 400, 40},
      {"lung", QCoreApplication::translate("fw::scene", "Lung"), 1500, -600},
  };
}

}  // namespace fw::scene
