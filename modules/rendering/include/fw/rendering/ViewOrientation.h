#pragma once
// The three standard slice orientations in radiological convention: the patient's right on the
// screen's left in axial and coronal views, anterior on the left in sagittal views, superior
// up. Each is an orthonormal frame of LPS world directions: screen right (u), screen up (v),
// and the normal towards the viewer (n).
#include "fw/core/Geometry.h"

namespace fw::rendering {

enum class ViewOrientation { Axial, Coronal, Sagittal };

struct ViewFrame {
  core::Vec3 right;   // world direction of screen +x
  core::Vec3 up;      // world direction of screen +y
  core::Vec3 normal;  // right x up: towards the viewer
  // Anatomical letters at the screen's left, right, top and bottom edges.
  const char* leftLabel;
  const char* rightLabel;
  const char* topLabel;
  const char* bottomLabel;
};

inline ViewFrame viewFrame(ViewOrientation o) {
  switch (o) {
    case ViewOrientation::Axial:  // looking from the feet: x=L, up=A (-y), normal=I... n = u x v
      return {{1, 0, 0}, {0, -1, 0}, {0, 0, -1}, "R", "L", "A", "P"};
    case ViewOrientation::Coronal:  // looking from the front: x=L, up=S
      return {{1, 0, 0}, {0, 0, 1}, {0, -1, 0}, "R", "L", "S", "I"};
    case ViewOrientation::Sagittal:  // looking from the patient's left: x=P, up=S
      return {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}, "A", "P", "S", "I"};
  }
  return viewFrame(ViewOrientation::Axial);
}

inline const char* viewName(ViewOrientation o) {
  switch (o) {
    case ViewOrientation::Axial: return "Axial";
    case ViewOrientation::Coronal: return "Coronal";
    case ViewOrientation::Sagittal: return "Sagittal";
  }
  return "";
}

}  // namespace fw::rendering
