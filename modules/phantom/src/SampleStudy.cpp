// Writing the sample study: DICOM series, truth.json, truth label maps and a README.
#include "fw/phantom/SampleStudy.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "Study.h"
#include "fw/core/Error.h"
#include "fw/dicom/SeriesWriter.h"
#include "fw/io/ImageFile.h"

namespace fw::phantom {

namespace fs = std::filesystem;
using core::Vec3;

namespace {

// A small JSON writer with deterministic number formatting.
class Json {
 public:
  Json& beginObject() { value(); m_out << '{'; m_first.push_back(true); return *this; }
  Json& endObject() { m_first.pop_back(); newline(); m_out << '}'; return *this; }
  Json& beginArray() { value(); m_out << '['; m_first.push_back(true); return *this; }
  Json& endArray() { m_first.pop_back(); m_out << ']'; return *this; }
  Json& key(const std::string& k) {
    separator();
    newline();
    m_out << quote(k) << ": ";
    m_afterKey = true;
    return *this;
  }
  Json& str(const std::string& s) { value(); m_out << quote(s); return *this; }
  Json& num(double v) {
    value();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", std::abs(v) < 1e-12 ? 0.0 : v);
    m_out << buf;
    return *this;
  }
  Json& vec(const Vec3& v) { beginArray(); num(v.x).num(v.y).num(v.z); return endArray(); }
  Json& numbers(const std::vector<double>& v) {
    beginArray();
    for (double x : v) num(x);
    return endArray();
  }
  std::string text() const { return m_out.str() + "\n"; }

 private:
  static std::string quote(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') r += '\\';
      if (c == '\n') { r += "\\n"; continue; }
      r += c;
    }
    return r + "\"";
  }
  void separator() {
    if (m_first.empty()) return;
    if (!m_first.back()) m_out << ',';
    m_first.back() = false;
  }
  void value() {
    if (m_afterKey) { m_afterKey = false; return; }
    separator();
  }
  void newline() { m_out << '\n' << std::string(2 * m_first.size(), ' '); }
  std::ostringstream m_out;
  std::vector<bool> m_first;
  bool m_afterKey = false;
};

void writeBall(Json& j, const Ball& b) {
  j.beginObject().key("name").str(b.name).key("centreLps").vec(b.centre).key("radiusMm").num(b.radius).endObject();
}

void writePolyline(Json& j, const Polyline& p) {
  j.beginObject().key("name").str(p.name).key("radiusMm").num(p.radius).key("centrelineLps").beginArray();
  for (const auto& q : p.points) j.vec(q);
  j.endArray().endObject();
}

void writeMatrix(Json& j, const std::array<double, 16>& m) {
  j.beginArray();
  for (int r = 0; r < 4; ++r) {
    j.beginArray();
    for (int c = 0; c < 4; ++c) j.num(m[static_cast<std::size_t>(4 * r + c)]);
    j.endArray();
  }
  j.endArray();
}

struct TruthMap {
  const char* file;
  const char* grid;
  const char* meaning;
};
const TruthMap kTruthMaps[] = {
    {"truth/ct_labels.nii.gz", "ct", "tissue label (see tissueLabels) at each CT voxel centre"},
    {"truth/t1_labels.nii.gz", "t1", "tissue label at each T1 voxel centre (anatomy moved by ctToT1)"},
    {"truth/dwi_bundles.nii.gz", "dwi",
     "1 corticospinal left, 2 corticospinal right, 3 callosal: at least half of the voxel inside the bundle"},
    {"truth/bold_activation.nii.gz", "bold",
     "float fraction of each voxel that is brain tissue inside the activation blob (its signal change is "
     "fraction * percentChange * regressor)"},
    {"truth/swi_vessels.nii.gz", "swi_mag", "1 vein or venous sinus, 2 microbleed: any part of the voxel"},
};

}  // namespace

std::string truthJson() {
  const StudyTruth& t = studyTruth();
  const core::DicomIdentity id = detail::identityFor(seriesSpecs().front());
  Json j;
  j.beginObject();
  j.key("phantomVersion").str(sampleStudyVersion());
  j.key("conventions").beginObject()
      .key("world").str("DICOM patient coordinates, LPS millimetres: +x patient left, +y posterior, +z superior")
      .key("ctWorld").str("the CT series' world; the phantom's head frame")
      .key("mrWorld").str("the world of the T1, DWI, BOLD and SWI series (one MR session); the anatomy "
                          "sits at ctToT1(p) for a CT point p")
      .key("ctToT1").str("maps a point in CT world (LPS mm) to the same anatomical point in T1 world: "
                         "q = R p + t, R = Rz(rotationDeg[2]) * Ry(rotationDeg[1]) * Rx(rotationDeg[0]), "
                         "rotations about the LPS axes through the world origin (0,0,0)")
      .key("matrices").str("row-major 4x4, acting on column vectors (x, y, z, 1)")
      .key("grids").str("direction columns are the world directions of voxel axes i, j, k; origin is the "
                        "centre of voxel (0,0,0); DICOM Rows = size[1], Columns = size[0]")
      .endObject();
  j.key("patient").beginObject().key("name").str(id.patientName).key("id").str(id.patientId).endObject();
  j.key("study").beginObject()
      .key("studyInstanceUid").str(id.studyInstanceUid)
      .key("frameOfReferenceUid").str(id.frameOfReferenceUid)
      .key("studyDate").str(id.studyDate)
      .key("note").str("all series share the frame of reference UID as the task asked, although the MR "
                       "anatomy is offset by ctToT1: registration must find it")
      .endObject();

  j.key("ctToT1").beginObject();
  j.key("matrix");
  writeMatrix(j, t.ctToMr.matrix());
  j.key("rotationDeg").vec(t.ctToMr.anglesDeg).key("translationMm").vec(t.ctToMr.translation);
  j.key("centreOfRotationLps").vec({0, 0, 0});
  j.key("appliesTo").str("T1, DWI, BOLD, SWI (all MR series share the MR world)");
  j.endObject();
  j.key("t1ToCt").beginObject().key("matrix");
  writeMatrix(j, t.ctToMr.inverse().matrix());
  j.endObject();

  j.key("landmarks").beginArray();
  for (std::size_t i = 0; i < t.landmarksCt.size(); ++i)
    j.beginObject().key("name").str(t.landmarksCt[i].name).key("ctLps").vec(t.landmarksCt[i].position)
        .key("t1Lps").vec(t.landmarksMr[i].position).endObject();
  j.endArray();

  j.key("lesion").beginObject().key("ct");
  writeBall(j, t.lesionCt);
  j.key("t1");
  writeBall(j, t.lesionMr);
  j.key("ctHu").num(75).key("edemaRadiusMm").num(HeadPhantom::instance().edema().radius);
  j.endObject();

  j.key("series").beginArray();
  for (const auto& s : seriesSpecs()) {
    const auto sid = detail::identityFor(s);
    const auto& g = s.geometry;
    j.beginObject()
        .key("key").str(s.key)
        .key("folder").str("dicom/" + s.key)
        .key("description").str(s.description)
        .key("seriesNumber").num(s.number)
        .key("seriesInstanceUid").str(sid.seriesInstanceUid)
        .key("modality").str(core::modalityCode(s.modality))
        .key("world").str(s.mrWorld ? "mr" : "ct");
    j.key("size").beginArray().num(double(g.size()[0])).num(double(g.size()[1])).num(double(g.size()[2])).endArray();
    j.key("spacingMm").vec(g.spacing()).key("originLps").vec(g.origin());
    j.key("directionColumns").beginArray().vec(g.direction().column(0)).vec(g.direction().column(1))
        .vec(g.direction().column(2)).endArray();
    j.key("volumes").num(double(s.volumes)).key("units").str(s.units).key("imageType").str(s.imageType);
    if (s.modality == core::Modality::CT) {
      j.key("kvp").num(s.kvp);
    } else {
      j.key("repetitionTimeMs").num(s.repetitionTimeMs).key("echoTimeMs").num(s.echoTimeMs)
          .key("flipAngleDeg").num(s.flipAngleDeg).key("fieldStrengthT").num(s.fieldStrengthT)
          .key("scanningSequence").str(s.scanningSequence).key("sequenceVariant").str(s.sequenceVariant);
    }
    j.endObject();
  }
  j.endArray();

  j.key("dwi").beginObject();
  j.key("bValues").numbers(t.bValues);
  j.key("gradientsLps").beginArray();
  for (const auto& g : t.gradientsLps) j.vec(g);
  j.endArray();
  j.key("model").str("S = S0 exp(-b g'Dg); isotropic in grey matter, CSF and other white matter; in the "
                     "bundles D has eigenvalues 1.7e-3 along the local centreline and 0.25e-3 across (mm^2/s)");
  j.key("bundles").beginArray();
  for (const auto& b : t.bundlesMr) writePolyline(j, b);
  j.endArray().key("bundleLabels").beginArray().num(1).num(2).num(3).endArray();
  j.key("world").str("mr");
  j.endObject();

  j.key("bold").beginObject()
      .key("repetitionTimeS").num(t.repetitionTimeS)
      .key("volumes").num(double(t.boldVolumes))
      .key("blockDurationS").num(t.blockDurationS)
      .key("blockOnsetsS").numbers(t.blockOnsetsS)
      .key("design").str("rest then task, alternating blocks; volume v is acquired at v * TR seconds (all "
                         "slices at once, no slice timing)")
      .key("hrf").str("SPM canonical double gamma (peak 6 s, undershoot 16 s, ratio 1/6)")
      .key("regressor").numbers(t.blockRegressor)
      .key("activation");
  writeBall(j, t.activationMr);
  j.key("percentChange").num(t.activationPercent)
      .key("activeTissue").str("grey and white matter inside the blob")
      .key("world").str("mr")
      .endObject();

  const auto& swi = seriesSpec("swi_mag");
  j.key("swi").beginObject()
      .key("echoTimeMs").num(swi.echoTimeMs)
      .key("fieldStrengthT").num(swi.fieldStrengthT)
      .key("b0DirectionLps").vec({0, 0, 1})
      .key("phaseUnitRad").num(t.swiPhaseUnitRad)
      .key("phaseConvention").str("phase = +gamma * dB * TE (right-handed); pixel * phaseUnitRad = radians in "
                                  "(-pi, pi]; paramagnetic veins perpendicular to B0 have negative phase inside")
      .key("veinChiPpm").num(HeadPhantom::kVeinChiPpm)
      .key("microbleedChiPpm").num(HeadPhantom::kMicrobleedChiPpm)
      .key("veins").beginArray();
  for (const auto& v : t.veinsMr) writePolyline(j, v);
  j.endArray().key("microbleeds").beginArray();
  for (const auto& b : t.microbleedsMr) writeBall(j, b);
  j.endArray().key("world").str("mr").endObject();

  j.key("truthMaps").beginArray();
  for (const auto& m : kTruthMaps)
    j.beginObject().key("file").str(m.file).key("grid").str(m.grid).key("meaning").str(m.meaning).endObject();
  j.endArray();
  j.key("tissueLabels").beginObject();
  for (std::size_t i = 0; i < static_cast<std::size_t>(Tissue::Count); ++i)
    j.key(std::to_string(i)).str(tissueName(static_cast<Tissue>(i)));
  j.endObject();
  j.endObject();
  return j.text();
}

namespace {

const char* const kReadme =
    "Fusion Workstation sample study: a digital head phantom\n"
    "=======================================================\n"
    "\n"
    "Every image here was computed from an analytic head model (no patient data). All series share\n"
    "one patient (PHANTOM^HEAD), one study and one frame of reference UID. The MR series were\n"
    "'acquired' in a second session: their anatomy is moved by a known rigid transform relative to\n"
    "the CT (truth.json, ctToT1), which registration has to recover.\n"
    "\n"
    "dicom/ct         CT, HU, 256x256x140, 0.9 x 0.9 x 1.25 mm, axial: skull (tables, diploe),\n"
    "                 brain, ventricles, falx, orbits, sinuses, a hyperdense lesion with edema\n"
    "dicom/t1         T1-weighted MR (3D spoiled gradient echo), 1 mm isotropic, oblique sagittal,\n"
    "                 with a bias field\n"
    "dicom/dwi        diffusion MR, 2 mm, 2 x b=0 + 32 directions at b=1000 s/mm^2: two\n"
    "                 corticospinal-like bundles and a callosal-like arc\n"
    "dicom/bold       BOLD fMRI, 3 mm, 80 volumes, TR 2 s, 20 s rest / 20 s task blocks, 2% signal\n"
    "                 change in a blob in the left motor cortex, with drift and noise\n"
    "dicom/swi_mag    SWI magnitude, 0.8 x 0.8 x 1.6 mm slab, TE 20 ms, 3 T: small veins and\n"
    "dicom/swi_phase  microbleeds (phase in milliradians)\n"
    "truth.json       every truth: the CT->T1 transform, landmarks, lesion, bundles, b-values and\n"
    "                 gradient directions (LPS), block onsets and regressor, activation blob, veins,\n"
    "                 microbleeds, and each series' grid and acquisition parameters\n"
    "truth/*.nii.gz   label and fraction maps on the series' grids (see truth.json, truthMaps)\n"
    "\n"
    "Coordinates are LPS millimetres (DICOM patient space). Generated by `fusion-cli sample-study`.\n";

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  f.close();
  if (!f) throw core::Error("cannot write " + path.string());
}

dicom::SeriesWriteOptions writeOptions(const SeriesSpec& s) {
  dicom::SeriesWriteOptions o;
  o.modality = s.modality;
  o.identity = detail::identityFor(s);
  o.imageType = s.imageType;
  o.manufacturer = "Fusion Workstation phantom";
  if (s.modality == core::Modality::CT) {
    o.kvp = s.kvp;
  } else {
    o.repetitionTimeMs = s.repetitionTimeMs;
    o.echoTimeMs = s.echoTimeMs;
    o.flipAngleDeg = s.flipAngleDeg;
    o.fieldStrengthT = s.fieldStrengthT;
    o.scanningSequence = s.scanningSequence;
    o.sequenceVariant = s.sequenceVariant;
  }
  return o;
}

void writeDicom(const std::vector<core::VolumePtr>& volumes, const std::vector<dicom::FrameInfo>& frames,
                const std::string& key, const fs::path& root, core::ProgressSink& progress) {
  dicom::writeSeries(volumes, frames, writeOptions(seriesSpec(key)), root / "dicom" / key, progress);
}

}  // namespace

void writeSampleStudy(const fs::path& outDirIn, core::ProgressSink& progress) {
  const fs::path outDir = outDirIn.has_filename() ? outDirIn : outDirIn.parent_path();
  const std::string what = "writing the sample study to " + outDir.string();
  std::error_code ec;
  if (fs::exists(outDir, ec) || fs::is_symlink(outDir, ec))
    throw core::Error("the folder already exists; choose a new one (existing data is never overwritten)")
        .addContext(what);
  const fs::path parent = outDir.parent_path().empty() ? fs::path(".") : outDir.parent_path();
  const fs::path temp = parent / ("." + outDir.filename().string() + ".partial-" + std::to_string(getpid()));
  try {
    fs::remove_all(temp);  // a leftover of an earlier crash with the same process id
    fs::create_directories(temp / "dicom");
    fs::create_directories(temp / "truth");
    const StudyTruth& truth = studyTruth();
    {
      core::SubProgress p(progress, 0.00, 0.20, "CT");
      const auto ct = makeCt(p);
      core::SubProgress w(progress, 0.20, 0.22, "writing CT");
      writeDicom({ct}, {}, "ct", temp, w);
    }
    {
      core::SubProgress p(progress, 0.22, 0.40, "T1");
      const auto t1 = makeT1(p);
      core::SubProgress w(progress, 0.40, 0.42, "writing T1");
      writeDicom({t1}, {}, "t1", temp, w);
    }
    {
      core::SubProgress p(progress, 0.42, 0.52, "DWI");
      const auto dwi = makeDwi(p);
      std::vector<dicom::FrameInfo> frames(dwi.size());
      for (std::size_t v = 0; v < dwi.size(); ++v) {
        frames[v].bValue = truth.bValues[v];
        if (truth.bValues[v] > 0) frames[v].gradientLps = truth.gradientsLps[v];
      }
      core::SubProgress w(progress, 0.52, 0.62, "writing DWI");
      writeDicom(dwi, frames, "dwi", temp, w);
    }
    {
      core::SubProgress p(progress, 0.62, 0.66, "BOLD");
      core::VolumePtr activation;
      const auto bold = detail::makeBoldWithMap(p, &activation);
      std::vector<dicom::FrameInfo> frames(bold.size());
      for (std::size_t v = 0; v < bold.size(); ++v) frames[v].acquisitionTimeS = v * truth.repetitionTimeS;
      core::SubProgress w(progress, 0.66, 0.78, "writing BOLD");
      writeDicom(bold, frames, "bold", temp, w);
      io::writeImageFile(*activation, temp / "truth" / "bold_activation.nii.gz");
    }
    {
      core::SubProgress p(progress, 0.78, 0.88, "SWI");
      core::VolumePtr vessels;
      const auto swi = detail::makeSwiWithMap(p, &vessels);
      core::SubProgress w1(progress, 0.88, 0.89, "writing SWI magnitude");
      writeDicom({swi.magnitude}, {}, "swi_mag", temp, w1);
      core::SubProgress w2(progress, 0.89, 0.90, "writing SWI phase");
      writeDicom({swi.phase}, {}, "swi_phase", temp, w2);
      io::writeImageFile(*vessels, temp / "truth" / "swi_vessels.nii.gz");
    }
    {
      core::SubProgress p(progress, 0.90, 0.99, "truth maps");
      io::writeImageFile(*makeTissueLabels("ct"), temp / "truth" / "ct_labels.nii.gz");
      p.checkCancel(0.4);
      io::writeImageFile(*makeTissueLabels("t1"), temp / "truth" / "t1_labels.nii.gz");
      p.checkCancel(0.8);
      io::writeImageFile(*makeBundleMap(), temp / "truth" / "dwi_bundles.nii.gz");
    }
    writeText(temp / "truth.json", truthJson());
    writeText(temp / "README.txt", kReadme);
    if (fs::exists(outDir)) throw core::Error("the folder appeared while writing; not overwriting it");
    fs::rename(temp, outDir);
    progress.report(1.0, "done");
  } catch (...) {
    fs::remove_all(temp, ec);
    try {
      throw;
    } catch (core::Cancelled&) {
      throw;
    } catch (core::Error& e) {
      throw e.addContext(what);
    } catch (const std::exception& e) {
      throw core::Error(e.what()).addContext(what);
    }
  }
}

}  // namespace fw::phantom
