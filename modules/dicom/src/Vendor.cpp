// First version: standard attributes only. Siemens CSA, mosaic, GE and Philips come next
// (issue 3).
#include "Vendor.h"

#include <cstring>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>

#include "DcmUtil.h"

namespace fw::dicom::detail {

std::optional<CsaHeader> parseCsa(const std::uint8_t*, std::size_t) { return std::nullopt; }

Diffusion readDiffusion(DcmItem& ds, const std::string&, const core::Vec3&, const core::Vec3&) {
  Diffusion d;
  d.bValue = getDouble(ds, DCM_DiffusionBValue);
  core::Vec3 g;
  bool ok = true;
  for (unsigned long i = 0; i < 3 && ok; ++i) {
    auto v = getDouble(ds, DCM_DiffusionGradientOrientation, i);
    ok = v.has_value();
    if (ok) g[static_cast<int>(i)] = *v;
  }
  if (ok && core::norm(g) > 1e-6) d.gradientLps = core::normalized(g);
  if (d.bValue) d.source = "standard";
  return d;
}

Diffusion readDiffusionFromFunctionalGroup(DcmItem&) { return {}; }

std::optional<MosaicLayout> readMosaic(DcmItem&, std::size_t, std::size_t) { return std::nullopt; }

core::Vec3 mosaicTilePosition(const MosaicLayout& layout, const core::Vec3& framePosition, const core::Vec3& rowDir,
                              const core::Vec3& colDir, double psRow, double psCol, std::size_t tile) {
  // dcm2niix: the stored position is that of the full frame's corner; move to the tile.
  const double frameCols = double(layout.tileColumns * layout.tilesPerRow);
  const double frameRows = double(layout.tileRows * layout.tilesPerRow);
  const core::Vec3 corner = framePosition + rowDir * (psCol * (frameCols - double(layout.tileColumns)) / 2.0) +
                            colDir * (psRow * (frameRows - double(layout.tileRows)) / 2.0);
  (void)tile;
  return corner;
}

void extractMosaicTile(const MosaicLayout& layout, const std::uint8_t* frame, std::size_t frameColumns,
                       std::size_t bpp, std::size_t tile, std::uint8_t* out) {
  const std::size_t tr = tile / layout.tilesPerRow, tc = tile % layout.tilesPerRow;
  for (std::size_t y = 0; y < layout.tileRows; ++y)
    std::memcpy(out + y * layout.tileColumns * bpp,
                frame + ((tr * layout.tileRows + y) * frameColumns + tc * layout.tileColumns) * bpp,
                layout.tileColumns * bpp);
}

}  // namespace fw::dicom::detail
