// Vendor header knowledge (issue 3): the standard diffusion attributes first, then Siemens
// (CSA header, SIEMENS MR HEADER), GE (GEMS_PARM_01, GEMS_ACQU_01) and Philips private tags,
// and Siemens mosaics. The conventions follow dcm2niix (nii_dicom.cpp, nii_dicom_batch.cpp);
// docs/vendor-headers.md says which and why.
#include "Vendor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>

#include "Csa.h"
#include "DcmUtil.h"
#include "PrivateTags.h"

namespace fw::dicom::detail {

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  return s;
}

// A unit vector from three components; nothing when fewer, not finite or (nearly) zero.
std::optional<core::Vec3> unitVector(const std::vector<double>& v) {
  if (v.size() < 3) return std::nullopt;
  const core::Vec3 g{v[0], v[1], v[2]};
  if (!std::isfinite(g.x) || !std::isfinite(g.y) || !std::isfinite(g.z) || core::norm(g) < 1e-6)
    return std::nullopt;
  return core::normalized(g);
}

std::vector<double> numbers(DcmItem& item, const DcmTagKey& tag, unsigned long count) {
  std::vector<double> out;
  for (unsigned long i = 0; i < count; ++i) {
    auto v = getDouble(item, tag, i);
    if (!v) break;
    out.push_back(*v);
  }
  return out;
}

std::vector<double> privateNumbers(DcmItem& item, std::uint16_t group, const char* creator, std::uint8_t offset,
                                   RawAs raw) {
  DcmElement* e = findPrivate(item, group, creator, offset);
  return e ? elementNumbers(*e, raw) : std::vector<double>{};
}

std::optional<std::string> privateText(DcmItem& item, std::uint16_t group, const char* creator,
                                       std::uint8_t offset) {
  DcmElement* e = findPrivate(item, group, creator, offset);
  return e ? elementText(*e) : std::nullopt;
}

// b = 0 has no direction; b > 0 without a direction is a trace/isotropic image when the vendor
// says so (`isotropicWithoutVector`: Siemens and Philips write trace images that way).
void finish(Diffusion& d, bool isotropicWithoutVector) {
  if (!d.bValue) {
    d.gradientLps.reset();
    return;
  }
  if (*d.bValue < 0 || !std::isfinite(*d.bValue)) {
    d = Diffusion{};
    return;
  }
  if (*d.bValue == 0) {
    d.gradientLps.reset();
    d.isotropic = false;
    return;
  }
  if (d.isotropic) d.gradientLps.reset();
  if (!d.gradientLps && isotropicWithoutVector) d.isotropic = true;
}

// (0018,9075) Diffusion Directionality applied to a result.
void applyDirectionality(Diffusion& d, const std::string& directionality) {
  const std::string dir = upper(directionality);
  if (dir == "ISOTROPIC") {
    d.isotropic = true;
    d.gradientLps.reset();
  } else if (dir == "NONE") {
    // No diffusion weighting, or a derived map (FA) that has none: no direction, and no b-value
    // is invented when the file gives none.
    d.gradientLps.reset();
    d.isotropic = false;
  }
}

// The direction of a b-matrix (b g g^T for one direction): the row of its largest diagonal.
std::optional<core::Vec3> directionFromBMatrix(DcmItem& item) {
  DcmItem* m = nullptr;
  if (item.findAndGetSequenceItem(DCM_DiffusionBMatrixSequence, m, 0).bad() || !m) return std::nullopt;
  const auto xx = getDouble(*m, DCM_DiffusionBValueXX), xy = getDouble(*m, DCM_DiffusionBValueXY),
             xz = getDouble(*m, DCM_DiffusionBValueXZ), yy = getDouble(*m, DCM_DiffusionBValueYY),
             yz = getDouble(*m, DCM_DiffusionBValueYZ), zz = getDouble(*m, DCM_DiffusionBValueZZ);
  if (!xx || !xy || !xz || !yy || !yz || !zz) return std::nullopt;
  const core::Vec3 rows[3] = {{*xx, *xy, *xz}, {*xy, *yy, *yz}, {*xz, *yz, *zz}};
  const double diag[3] = {*xx, *yy, *zz};
  const int j = int(std::max_element(diag, diag + 3) - diag);
  if (!(diag[j] > 0)) return std::nullopt;
  return unitVector({rows[j].x, rows[j].y, rows[j].z});
}

Diffusion standardDiffusion(DcmItem& ds) {
  Diffusion d;
  d.bValue = getDouble(ds, DCM_DiffusionBValue);
  d.gradientLps = unitVector(numbers(ds, DCM_DiffusionGradientOrientation, 3));
  if (auto dir = getString(ds, DCM_DiffusionDirectionality)) applyDirectionality(d, *dir);
  if (d.bValue) d.source = "standard";
  return d;
}

// Siemens: the CSA image header (B_value, DiffusionGradientDirection in patient LPS), else the
// SIEMENS MR HEADER elements (0019,xx0C) B_value (IS) and (0019,xx0E) direction (FD x3).
Diffusion siemensDiffusion(DcmItem& ds) {
  Diffusion d;
  const auto csa = readCsa(ds, CsaKind::Image);
  if (csa) {
    d.bValue = csaNumber(*csa, "B_value");
    if (auto g = csaNumbers(*csa, "DiffusionGradientDirection", 3)) d.gradientLps = unitVector(*g);
    if (d.bValue) d.source = "Siemens CSA";
  }
  if (!d.bValue) {
    const auto b = privateNumbers(ds, 0x0019, "SIEMENS MR HEADER", 0x0C, RawAs::Text);
    if (!b.empty()) {
      d.bValue = b.front();
      d.source = "Siemens";
    }
  }
  if (d.bValue && !d.gradientLps)
    d.gradientLps = unitVector(privateNumbers(ds, 0x0019, "SIEMENS MR HEADER", 0x0E, RawAs::FD));
  return d;
}

// GE: (0043,xx39) GEMS_PARM_01 holds the b-value as its first value, with 1e9 added by some
// software versions (e.g. "1000000750\8\0\0" for b=750): the offset is removed. The gradient
// (0019,xxBB/BC/BD) GEMS_ACQU_01 is in the image's logical frame; it is brought into patient LPS
// with dcm2niix's rule (geCorrectBvecs, validated by dicm2nii on axial data), which needs head
// first supine and a known phase-encoding direction: otherwise no gradient is given.
Diffusion geDiffusion(DcmItem& ds, const core::Vec3& rowDir, const core::Vec3& colDir) {
  Diffusion d;
  const auto b = privateNumbers(ds, 0x0043, "GEMS_PARM_01", 0x39, RawAs::Text);
  if (b.empty() || b.front() < 0) return d;
  double bValue = b.front();
  if (bValue >= 1e9) bValue = std::fmod(bValue, 1e9);
  d.bValue = bValue;
  d.source = "GE";
  std::vector<double> g;
  for (std::uint8_t off : {std::uint8_t(0xBB), std::uint8_t(0xBC), std::uint8_t(0xBD)}) {
    const auto v = privateNumbers(ds, 0x0019, "GEMS_ACQU_01", off, RawAs::Text);
    if (v.empty()) return d;
    g.push_back(v.front());
  }
  core::Vec3 v{g[0], g[1], g[2]};
  const double length = core::norm(v);
  if (!std::isfinite(length) || length < 1e-6 || bValue <= 0) return d;
  // dcm2niix (issue 163): a vector shorter than unit scales the b-value by its squared length.
  if (length > 0.03 && length < 0.97) d.bValue = bValue * length * length;
  v = v / length;

  const std::string position = upper(getStringOr(ds, DCM_PatientPosition));
  const std::string phase = upper(getStringOr(ds, DCM_InPlanePhaseEncodingDirection));
  if (position != "HFS" || (phase != "COL" && phase != "ROW")) return d;
  const core::Vec3 row = core::normalized(rowDir), col = core::normalized(colDir);
  const core::Vec3 n = core::normalized(core::cross(row, col));
  if (core::norm(n) < 0.5) return d;
  if (phase == "ROW") v = {v.y, -v.x, v.z};  // dcm2niix swizzles row phase encoding
  // dcm2niix flips (1,1,0) sagittal, (0,1,1) coronal, (0,0,1) axial, then negates y (its
  // NIfTI rows run bottom-up) and the whole vector; its NIfTI axes are (row, -col, normal), so
  // in patient LPS: g = -(-1)^f0 x row - (-1)^f1 y col - (-1)^f2 z normal.
  int f[3] = {0, 0, 1};
  const double ax = std::abs(n.x), ay = std::abs(n.y), az = std::abs(n.z);
  if (ax >= ay && ax >= az)
    f[0] = 1, f[1] = 1, f[2] = 0;  // sagittal
  else if (ay >= ax && ay >= az)
    f[0] = 0, f[1] = 1, f[2] = 1;  // coronal
  auto s = [](int flip) { return flip ? -1.0 : 1.0; };
  const core::Vec3 lps = row * (-s(f[0]) * v.x) + col * (-s(f[1]) * v.y) + n * (-s(f[2]) * v.z);
  d.gradientLps = core::normalized(lps);
  return d;
}

// Philips: (2001,xx03) b-value (FL) and (2001,xx04) direction ('I': isotropic trace image) of
// "Philips Imaging DD 001"; (2005,xxB0/B1/B2) gradient (FL, patient LPS as dcm2niix reads it)
// of "Philips MR Imaging DD 001".
Diffusion philipsDiffusion(DcmItem& ds) {
  Diffusion d;
  const auto b = privateNumbers(ds, 0x2001, "Philips Imaging DD 001", 0x03, RawAs::FL);
  if (b.empty()) return d;
  d.bValue = b.front();
  d.source = "Philips";
  std::vector<double> g;
  for (std::uint8_t off : {std::uint8_t(0xB0), std::uint8_t(0xB1), std::uint8_t(0xB2)}) {
    const auto v = privateNumbers(ds, 0x2005, "Philips MR Imaging DD 001", off, RawAs::FL);
    if (v.empty()) break;
    g.push_back(v.front());
  }
  d.gradientLps = unitVector(g);
  const auto direction = privateText(ds, 0x2001, "Philips Imaging DD 001", 0x04);
  if (direction && upper(*direction) == "I") d.isotropic = true;
  return d;
}

constexpr std::size_t kMinTileSize = 4;

bool imageTypeHas(DcmItem& ds, const std::string& value) {
  const std::string type = upper(getStringOr(ds, DCM_ImageType));
  std::size_t start = 0;
  while (start <= type.size()) {
    const auto end = std::min(type.find('\\', start), type.size());
    std::string token = type.substr(start, end - start);
    token.erase(0, token.find_first_not_of(' '));
    token.erase(token.find_last_not_of(' ') + 1);
    if (token == value) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

Diffusion readDiffusion(DcmItem& ds, const std::string& manufacturer, const core::Vec3& rowDir,
                        const core::Vec3& colDir) {
  const std::string maker = upper(manufacturer);
  enum class Vendor { Other, Siemens, Ge, Philips } vendor = Vendor::Other;
  if (maker.find("SIEMENS") != std::string::npos)
    vendor = Vendor::Siemens;
  else if (maker.find("PHILIPS") != std::string::npos)
    vendor = Vendor::Philips;
  else if (maker.rfind("GE", 0) == 0 || maker.find("GE MEDICAL") != std::string::npos ||
           maker.find("GE HEALTHCARE") != std::string::npos)
    vendor = Vendor::Ge;

  Diffusion d = standardDiffusion(ds);
  const bool complete = d.bValue && (*d.bValue <= 0 || d.gradientLps || d.isotropic);
  if (!complete) {
    Diffusion v;
    switch (vendor) {
      case Vendor::Siemens: v = siemensDiffusion(ds); break;
      case Vendor::Ge: v = geDiffusion(ds, rowDir, colDir); break;
      case Vendor::Philips: v = philipsDiffusion(ds); break;
      case Vendor::Other: break;
    }
    if (!d.bValue) {
      d = v;
    } else if (v.bValue && std::abs(*v.bValue - *d.bValue) <= 1.0) {
      // The standard b-value without a direction: take the vendor's direction for the same b.
      d.gradientLps = v.gradientLps;
      d.isotropic = d.isotropic || v.isotropic;
    }
  }
  finish(d, vendor == Vendor::Siemens || vendor == Vendor::Philips);
  return d;
}

Diffusion readDiffusionFromFunctionalGroup(DcmItem& group) {
  Diffusion d;
  DcmItem* mr = nullptr;
  if (group.findAndGetSequenceItem(DCM_MRDiffusionSequence, mr, 0).bad() || !mr) return d;
  d.bValue = getDouble(*mr, DCM_DiffusionBValue);
  DcmItem* dir = nullptr;
  if (mr->findAndGetSequenceItem(DCM_DiffusionGradientDirectionSequence, dir, 0).good() && dir)
    d.gradientLps = unitVector(numbers(*dir, DCM_DiffusionGradientOrientation, 3));
  const std::string directionality = upper(getStringOr(*mr, DCM_DiffusionDirectionality));
  if (directionality == "BMATRIX" && !d.gradientLps) d.gradientLps = directionFromBMatrix(*mr);
  applyDirectionality(d, directionality);
  if (d.bValue) d.source = "standard";
  finish(d, false);
  return d;
}

std::optional<PhilipsScale> philipsPreciseScale(DcmItem& ds) {
  if (upper(getStringOr(ds, DCM_Manufacturer)).find("PHILIPS") == std::string::npos) return std::nullopt;
  const auto ss = privateNumbers(ds, 0x2005, "Philips MR Imaging DD 001", 0x0E, RawAs::FL);
  if (ss.empty() || !std::isfinite(ss.front()) || ss.front() == 0) return std::nullopt;
  std::optional<double> rs = getDouble(ds, DCM_RescaleSlope), ri = getDouble(ds, DCM_RescaleIntercept);
  if (!rs || *rs == 0) {
    DcmItem* rwv = nullptr;
    DcmItem& from = ds.findAndGetSequenceItem(DCM_RealWorldValueMappingSequence, rwv, 0).good() && rwv ? *rwv : ds;
    rs = getDouble(from, DCM_RealWorldValueSlope);
    if (!rs) rs = getDouble(ds, DCM_RealWorldValueSlope);
    if (!ri) ri = getDouble(from, DCM_RealWorldValueIntercept);
    if (!ri) ri = getDouble(ds, DCM_RealWorldValueIntercept);
  }
  const double slope = rs && *rs != 0 && std::isfinite(*rs) ? *rs : 1.0;
  const double intercept = ri && std::isfinite(*ri) ? *ri : 0.0;
  PhilipsScale p;
  p.scaleSlope = ss.front();
  p.slope = 1.0 / p.scaleSlope;
  p.intercept = intercept / (slope * p.scaleSlope);
  if (!std::isfinite(p.slope) || !std::isfinite(p.intercept)) return std::nullopt;
  return p;
}

std::optional<MosaicLayout> readMosaic(DcmItem& ds, std::size_t rows, std::size_t columns) {
  const auto csa = readCsa(ds, CsaKind::Image);
  std::optional<double> count;
  if (csa) count = csaNumber(*csa, "NumberOfImagesInMosaic");
  if (!count) {
    const auto v = privateNumbers(ds, 0x0019, "SIEMENS MR HEADER", 0x0A, RawAs::US);
    if (!v.empty()) count = v.front();
  }
  const bool typed = imageTypeHas(ds, "MOSAIC");
  if (!count || !(*count >= 1) || *count > 65535 || *count != std::floor(*count)) return std::nullopt;
  if (!typed && *count < 2) return std::nullopt;
  MosaicLayout m;
  m.tileCount = static_cast<std::size_t>(*count);
  m.tilesPerRow = 1;
  while (m.tilesPerRow * m.tilesPerRow < m.tileCount) ++m.tilesPerRow;
  if (rows == 0 || columns == 0) return std::nullopt;
  // A frame that is not a whole number of tiles (0.dcm of the unit minis: 256x256 for 7x7
  // tiles of 36) is cut as dcm2niix cuts it, into tiles of floor(frame / tilesPerRow) from the
  // top left; the remaining pixels are padding. Only when Image Type says MOSAIC: a CSA count
  // on an image that does not divide is not evidence enough.
  const bool divides = rows % m.tilesPerRow == 0 && columns % m.tilesPerRow == 0;
  if (!divides && !typed) return std::nullopt;
  m.tileRows = rows / m.tilesPerRow;
  m.tileColumns = columns / m.tilesPerRow;
  m.frameRows = rows;
  m.frameColumns = columns;
  // Tiles of a few pixels are not slices: a hostile or mistaken count.
  if (m.tileRows < kMinTileSize || m.tileColumns < kMinTileSize) return std::nullopt;

  const auto iop = numbers(ds, DCM_ImageOrientationPatient, 6);
  core::Vec3 normalFromIop;
  if (iop.size() == 6)
    normalFromIop = core::normalized(core::cross(core::normalized({iop[0], iop[1], iop[2]}),
                                                 core::normalized({iop[3], iop[4], iop[5]})));
  std::optional<core::Vec3> normal;
  if (csa)
    if (auto v = csaNumbers(*csa, "SliceNormalVector", 3)) normal = unitVector(*v);
  // A CSA normal that is not perpendicular to the image plane is not believed.
  if (normal && core::norm(normalFromIop) > 0.5 && std::abs(core::dot(*normal, normalFromIop)) < 0.99)
    normal.reset();
  m.normalFromCsa = normal.has_value();
  m.normal = normal ? *normal : normalFromIop;

  if (auto s = getDouble(ds, DCM_SpacingBetweenSlices); s && *s > 0)
    m.sliceSpacing = *s;
  else if (auto t = getDouble(ds, DCM_SliceThickness); t && *t > 0)
    m.sliceSpacing = *t;
  return m;
}

core::Vec3 mosaicTilePosition(const MosaicLayout& layout, const core::Vec3& framePosition, const core::Vec3& rowDir,
                              const core::Vec3& colDir, double psRow, double psCol, std::size_t tile) {
  // dcm2niix (set_nii_header_x): the stored position is that of the whole frame's first voxel;
  // the first tile's first voxel is (frame - tile) / 2 pixels further along rows and columns.
  // dcm2niix divides in floating point: (frame - frame / tilesPerRow) / 2, the same as
  // (frame - tile) / 2 when the frame is a whole number of tiles.
  const double n = double(std::max<std::size_t>(1, layout.tilesPerRow));
  const double frameCols = double(layout.frameColumns ? layout.frameColumns : layout.tileColumns * layout.tilesPerRow);
  const double frameRows = double(layout.frameRows ? layout.frameRows : layout.tileRows * layout.tilesPerRow);
  const core::Vec3 corner = framePosition + rowDir * (psCol * (frameCols - frameCols / n) / 2.0) +
                            colDir * (psRow * (frameRows - frameRows / n) / 2.0);
  return corner + layout.normal * (layout.sliceSpacing * double(tile));
}

void extractMosaicTile(const MosaicLayout& layout, const std::uint8_t* frame, std::size_t frameColumns,
                       std::size_t bpp, std::size_t tile, std::uint8_t* out) {
  if (layout.tilesPerRow == 0 || tile >= layout.tilesPerRow * layout.tilesPerRow ||
      frameColumns < layout.tilesPerRow * layout.tileColumns)
    return;
  const std::size_t tr = tile / layout.tilesPerRow, tc = tile % layout.tilesPerRow;
  for (std::size_t y = 0; y < layout.tileRows; ++y)
    std::memcpy(out + y * layout.tileColumns * bpp,
                frame + ((tr * layout.tileRows + y) * frameColumns + tc * layout.tileColumns) * bpp,
                layout.tileColumns * bpp);
}

}  // namespace fw::dicom::detail
