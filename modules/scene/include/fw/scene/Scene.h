#pragma once
// The scene: the loaded volumes as layers, how each is displayed, and the one world cursor (LPS
// mm) that every view follows (Slicer's crosshair node, MITK's crosshair). Views observe the
// signals and request renders; nothing here knows about widgets or VTK.
#include <QObject>
#include <QString>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "fw/core/Geometry.h"
#include "fw/core/Volume.h"
#include "fw/registration/Transform.h"

namespace fw::scene {

// A named window/level setting (CT presets, the data's own default).
struct WindowPreset {
  QString id;     // stable key: "brain", "subdural", "bone", "lung", "soft-tissue"
  QString label;  // shown to the user (translatable)
  double window;
  double level;
};
// The CT presets radiologists expect, in Hounsfield units. Labels are translated at each call,
// so they follow the translator installed now.
std::vector<WindowPreset> ctWindowPresets();

struct LayerDisplay {
  double window = 400;
  double level = 40;
  bool visible = true;
};

// How a moving (registered) volume is fused over the fixed one in the slice views.
enum class FusionMode { Blend, Checkerboard, Difference, Overlay };
const char* fusionModeName(FusionMode mode);  // "blend", "checkerboard", "difference", "overlay"
std::optional<FusionMode> fusionModeFromName(const QString& name);

struct FusionDisplay {
  FusionMode mode = FusionMode::Checkerboard;
  double opacity = 0.5;        // blend and overlay: weight of the moving image
  double checkerSizeMm = 20;   // checkerboard square side in mm (in the view plane)
  double window = 400;         // the moving volume's own window/level
  double level = 40;
  bool visible = true;
};

// Colour volumes: the red, green and blue channel volumes (0..255) of a colour series.
using ColourChannels = std::array<core::VolumePtr, 3>;

struct Layer {
  core::VolumePtr volume;  // for colour layers: the luminance (geometry, 3D view, cursor snap)
  LayerDisplay display;
  ColourChannels rgb;      // set for colour layers: slices show these, with no window/level
  bool isColour() const { return rgb[0] && rgb[1] && rgb[2]; }
};

// One volume of a (4D) series as the scene shows it: a grey volume, or a colour volume's
// luminance plus its channels, and a label for the user ("b = 1000 s/mm²", "t = 12.0 s").
struct SeriesVolume {
  core::VolumePtr volume;
  ColourChannels rgb;
  QString label;
};

class Scene : public QObject {
  Q_OBJECT
 public:
  explicit Scene(QObject* parent = nullptr);

  // Replaces the scene's content with one volume as the base layer; the cursor goes to the
  // volume's centre and the display to the modality's default window.
  void setBaseVolume(core::VolumePtr volume);
  core::VolumePtr baseVolume() const;
  // Replaces the content with a (4D) series: every volume is kept, `shown` is displayed. All
  // volumes must share the geometry of the first. Switching volumes (setVolumeIndex) keeps the
  // cursor, the window/level and the views' cameras, and reloads nothing.
  void setBaseSeries(std::vector<SeriesVolume> volumes, int shown = 0);
  int volumeCount() const { return static_cast<int>(m_series.size()); }
  int volumeIndex() const { return m_volumeIndex; }
  QString volumeLabel(int index) const;
  void setVolumeIndex(int index);  // clamped to 0..volumeCount()-1
  bool baseIsColour() const { return !m_layers.empty() && m_layers.front().isColour(); }
  // The base colour layer's red, green, blue under the cursor (0..255), if any.
  std::optional<std::array<double, 3>> colourAtCursor() const;
  const std::vector<Layer>& layers() const { return m_layers; }
  bool isEmpty() const { return m_layers.empty(); }

  // The world cursor in LPS mm. setCursor snaps to the nearest voxel centre of the base
  // volume when the point lies inside it, so slices show whole voxels, not blends.
  const core::Vec3& cursor() const { return m_cursor; }
  void setCursor(const core::Vec3& lps);
  // Moves the cursor by `steps` voxels along a world direction (slice scrolling).
  void stepCursor(const core::Vec3& direction, int steps);
  // The base volume's value under the cursor, if any.
  std::optional<double> valueAtCursor() const;

  const LayerDisplay& baseDisplay() const;
  void setWindowLevel(double window, double level);
  void applyWindowPreset(const QString& id);
  // Default window for a volume: CT brain, otherwise from the value distribution.
  static LayerDisplay defaultDisplay(const core::Volume& volume);

  // The volume-rendering preset of the 3D view ("ct-bone", "ct-soft-tissue", "mr").
  const QString& volumePreset() const { return m_volumePreset; }
  void setVolumePreset(const QString& id);

  // The moving (overlay) volume of a registration, shown over the base (fixed) volume through
  // its Transform (fixed world -> moving world). Its pixels are never changed: the slice views
  // sample it through the transform on the fly. Setting a new moving volume resets the
  // transform to `transform` and its window to the modality default; null removes it.
  // The base volume may change under it (the transform relates worlds, not grids).
  void setMovingVolume(core::VolumePtr volume, registration::Transform transform = {});
  core::VolumePtr movingVolume() const { return m_moving; }
  const registration::Transform& movingTransform() const { return m_movingTransform; }
  void setMovingTransform(const registration::Transform& transform);
  // Increases on every transform change, so views know when to resample.
  std::uint64_t movingTransformRevision() const { return m_transformRevision; }
  const FusionDisplay& fusion() const { return m_fusion; }
  void setFusionMode(FusionMode mode);
  void setFusionOpacity(double opacity);         // clamped to 0..1
  void setCheckerSize(double mm);                // clamped to 1..500 mm
  void setMovingWindowLevel(double window, double level);
  void setFusionVisible(bool visible);
  // Manual nudge mode: slice views turn arrow keys and drags into moves of the moving image.
  bool nudgeMode() const { return m_nudgeMode; }
  void setNudgeMode(bool on);

 signals:
  void movingVolumeChanged();
  void movingTransformChanged();
  void fusionChanged();
  void nudgeModeChanged(bool on);
  void layersChanged();
  void cursorChanged(const fw::core::Vec3& lps);
  void displayChanged();
  void volumePresetChanged(const QString& id);
  // Another volume of the base series is shown (same geometry, display and cursor).
  void volumeIndexChanged(int index);

 private:
  core::Vec3 snap(const core::Vec3& lps) const;
  std::vector<Layer> m_layers;
  std::vector<SeriesVolume> m_series;  // the base layer's series (one entry for a 3D volume)
  int m_volumeIndex = 0;
  core::Vec3 m_cursor;
  QString m_volumePreset = "ct-bone";
  core::VolumePtr m_moving;
  registration::Transform m_movingTransform;
  std::uint64_t m_transformRevision = 0;
  FusionDisplay m_fusion;
  bool m_nudgeMode = false;
};

}  // namespace fw::scene
