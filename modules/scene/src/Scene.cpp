#include "fw/scene/Scene.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace fw::scene {

namespace {
// Same voxel grid within a micrometre (4D volumes are assembled from the same slice positions).
bool sameGrid(const core::ImageGeometry& a, const core::ImageGeometry& b) {
  if (a.size() != b.size()) return false;
  for (int i = 0; i < 3; ++i) {
    if (std::abs(a.spacing()[i] - b.spacing()[i]) > 1e-3 || std::abs(a.origin()[i] - b.origin()[i]) > 1e-3) return false;
    for (int j = 0; j < 3; ++j)
      if (std::abs(a.direction()(i, j) - b.direction()(i, j)) > 1e-6) return false;
  }
  return true;
}
}  // namespace

Scene::Scene(QObject* parent) : QObject(parent) {}

void Scene::setBaseVolume(core::VolumePtr volume) {
  std::vector<SeriesVolume> one;
  if (volume) one.push_back({std::move(volume), {}, QString()});
  setBaseSeries(std::move(one), 0);
}

void Scene::setBaseSeries(std::vector<SeriesVolume> volumes, int shown) {
  m_layers.clear();
  m_series.clear();
  m_volumeIndex = 0;
  // Only volumes with the first one's grid can be switched without moving the views.
  for (auto& v : volumes)
    if (v.volume && (m_series.empty() || sameGrid(v.volume->geometry(), m_series.front().volume->geometry())))
      m_series.push_back(std::move(v));
  if (!m_series.empty()) {
    m_volumeIndex = std::clamp(shown, 0, volumeCount() - 1);
    const SeriesVolume& s = m_series[static_cast<std::size_t>(m_volumeIndex)];
    Layer layer;
    layer.volume = s.volume;
    layer.rgb = s.rgb;
    if (layer.isColour()) {
      layer.display.window = 255;  // unused for colour: channels show as stored
      layer.display.level = 127.5;
    } else {
      layer.display = defaultDisplay(*layer.volume);
    }
    m_layers.push_back(std::move(layer));
    m_cursor = snap(m_layers.front().volume->geometry().center());
    m_volumePreset = m_layers.front().volume->modality() == core::Modality::CT ? "ct-bone" : "mr";
  }
  emit layersChanged();
  emit displayChanged();
  emit volumePresetChanged(m_volumePreset);
  emit cursorChanged(m_cursor);
}

core::VolumePtr Scene::baseVolume() const { return m_layers.empty() ? nullptr : m_layers.front().volume; }

QString Scene::volumeLabel(int index) const {
  if (index < 0 || index >= volumeCount()) return QString();
  return m_series[static_cast<std::size_t>(index)].label;
}

void Scene::setVolumeIndex(int index) {
  if (m_series.empty() || m_layers.empty()) return;
  index = std::clamp(index, 0, volumeCount() - 1);
  if (index == m_volumeIndex) return;
  m_volumeIndex = index;
  const SeriesVolume& s = m_series[static_cast<std::size_t>(index)];
  m_layers.front().volume = s.volume;
  m_layers.front().rgb = s.rgb;
  emit volumeIndexChanged(index);
}

std::optional<std::array<double, 3>> Scene::colourAtCursor() const {
  if (!baseIsColour()) return std::nullopt;
  std::array<double, 3> rgb{};
  for (int c = 0; c < 3; ++c) {
    const auto v = m_layers.front().rgb[static_cast<std::size_t>(c)]->valueAtWorld(m_cursor);
    if (!v) return std::nullopt;
    rgb[static_cast<std::size_t>(c)] = *v;
  }
  return rgb;
}

core::Vec3 Scene::snap(const core::Vec3& lps) const {
  if (m_layers.empty()) return lps;
  const auto& g = m_layers.front().volume->geometry();
  std::array<std::size_t, 3> v;
  if (!g.worldToNearestVoxel(lps, v)) return lps;
  return g.indexToWorld({double(v[0]), double(v[1]), double(v[2])});
}

void Scene::setCursor(const core::Vec3& lps) {
  const core::Vec3 p = snap(lps);
  if (p == m_cursor) return;
  m_cursor = p;
  emit cursorChanged(m_cursor);
}

void Scene::stepCursor(const core::Vec3& direction, int steps) {
  if (m_layers.empty() || steps == 0) return;
  const auto& g = m_layers.front().volume->geometry();
  // One step is one voxel along the voxel axis closest to the direction.
  int best = 0;
  double bestDot = 0;
  for (int a = 0; a < 3; ++a) {
    const double d = std::abs(core::dot(g.direction().column(a), direction));
    if (d > bestDot) {
      bestDot = d;
      best = a;
    }
  }
  const double step = g.spacing()[best];
  core::Vec3 target = m_cursor + core::normalized(direction) * (step * steps);
  // Keep the cursor inside the volume along that direction: clamp in index space.
  core::Vec3 idx = g.worldToIndex(target);
  for (int a = 0; a < 3; ++a) idx[a] = std::clamp(idx[a], 0.0, double(g.size()[a] - 1));
  setCursor(g.indexToWorld(idx));
}

std::optional<double> Scene::valueAtCursor() const {
  if (m_layers.empty()) return std::nullopt;
  return m_layers.front().volume->valueAtWorld(m_cursor);
}

const LayerDisplay& Scene::baseDisplay() const {
  static const LayerDisplay none;
  return m_layers.empty() ? none : m_layers.front().display;
}

void Scene::setWindowLevel(double window, double level) {
  if (m_layers.empty()) return;
  window = std::max(window, 1e-3);
  auto& d = m_layers.front().display;
  if (d.window == window && d.level == level) return;
  d.window = window;
  d.level = level;
  emit displayChanged();
}

void Scene::applyWindowPreset(const QString& id) {
  for (const auto& p : ctWindowPresets())
    if (p.id == id) setWindowLevel(p.window, p.level);
}

LayerDisplay Scene::defaultDisplay(const core::Volume& volume) {
  LayerDisplay d;
  if (volume.modality() == core::Modality::CT) {
    d.window = 80;
    d.level = 40;
    return d;
  }
  // Robust range: 1st..99.5th percentile of a strided sample of non-background voxels.
  std::vector<float> sample;
  const std::size_t n = volume.geometry().voxelCount();
  const std::size_t stride = std::max<std::size_t>(1, n / 200000);
  sample.reserve(n / stride + 1);
  volume.visitData([&](const auto* p) {
    for (std::size_t i = 0; i < n; i += stride) {
      const float v = static_cast<float>(p[i]);
      if (std::isfinite(v)) sample.push_back(v);
    }
  });
  if (sample.empty()) return d;
  std::sort(sample.begin(), sample.end());
  // Ignore the background (the most common lowest value) when choosing the range.
  const float lowest = sample.front();
  auto firstAbove = std::upper_bound(sample.begin(), sample.end(), lowest);
  if (std::distance(firstAbove, sample.end()) > static_cast<long>(sample.size() / 20))
    sample.erase(sample.begin(), firstAbove);
  const double lo = sample[sample.size() / 100];
  const double hi = sample[std::min(sample.size() - 1, sample.size() * 995 / 1000)];
  d.window = std::max(hi - lo, 1e-3);
  d.level = (hi + lo) / 2;
  return d;
}

const char* fusionModeName(FusionMode mode) {
  switch (mode) {
    case FusionMode::Blend: return "blend";
    case FusionMode::Checkerboard: return "checkerboard";
    case FusionMode::Difference: return "difference";
    case FusionMode::Overlay: return "overlay";
  }
  return "blend";
}

std::optional<FusionMode> fusionModeFromName(const QString& name) {
  for (FusionMode m : {FusionMode::Blend, FusionMode::Checkerboard, FusionMode::Difference, FusionMode::Overlay})
    if (name == QLatin1String(fusionModeName(m))) return m;
  return std::nullopt;
}

void Scene::setMovingVolume(core::VolumePtr volume, registration::Transform transform) {
  m_moving = std::move(volume);
  m_movingTransform = m_moving ? std::move(transform) : registration::Transform{};
  ++m_transformRevision;
  if (m_moving) {
    const LayerDisplay d = defaultDisplay(*m_moving);
    m_fusion.window = d.window;
    m_fusion.level = d.level;
  }
  emit movingVolumeChanged();
  emit movingTransformChanged();
  emit fusionChanged();
}

void Scene::setMovingTransform(const registration::Transform& transform) {
  m_movingTransform = transform;
  ++m_transformRevision;
  emit movingTransformChanged();
}

void Scene::setFusionMode(FusionMode mode) {
  if (m_fusion.mode == mode) return;
  m_fusion.mode = mode;
  emit fusionChanged();
}

void Scene::setFusionOpacity(double opacity) {
  opacity = std::clamp(opacity, 0.0, 1.0);
  if (m_fusion.opacity == opacity) return;
  m_fusion.opacity = opacity;
  emit fusionChanged();
}

void Scene::setCheckerSize(double mm) {
  mm = std::clamp(mm, 1.0, 500.0);
  if (m_fusion.checkerSizeMm == mm) return;
  m_fusion.checkerSizeMm = mm;
  emit fusionChanged();
}

void Scene::setMovingWindowLevel(double window, double level) {
  window = std::max(window, 1e-3);
  if (m_fusion.window == window && m_fusion.level == level) return;
  m_fusion.window = window;
  m_fusion.level = level;
  emit fusionChanged();
}

void Scene::setFusionVisible(bool visible) {
  if (m_fusion.visible == visible) return;
  m_fusion.visible = visible;
  emit fusionChanged();
}

void Scene::setNudgeMode(bool on) {
  if (m_nudgeMode == on) return;
  m_nudgeMode = on;
  emit nudgeModeChanged(on);
}

void Scene::setVolumePreset(const QString& id) {
  if (id == m_volumePreset) return;
  m_volumePreset = id;
  emit volumePresetChanged(id);
}

}  // namespace fw::scene
