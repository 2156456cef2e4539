// fusion-cli as a user runs it: the command table, exit codes, and `info` in text and JSON.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <fstream>

#include "../dicom/EnhancedTestUtil.h"
#include "TestData.h"
#include "VolumeCompare.h"
#include "fw/core/Volume.h"
#include "fw/dicom/SeriesWriter.h"
#include "fw/io/Diffusion.h"
#include "fw/io/ImageFile.h"
#include "fw/io/Nifti.h"
#include "fw/phantom/SampleStudy.h"

using namespace fw::core;
namespace fs = std::filesystem;
using fw::test::sameByWorld;

namespace {

struct Run {
  int exitCode = -1;
  QString out, err;
};

Run runCli(const QStringList& args) {
  QProcess p;
  p.start(QStringLiteral(FW_FUSION_CLI), args);
  Run r;
  if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit) {
    p.kill();
    r.err = "fusion-cli did not finish normally";
    return r;
  }
  r.exitCode = p.exitCode();
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

QString describe(const Run& r) { return QString("exit %1\nstdout:\n%2\nstderr:\n%3").arg(r.exitCode).arg(r.out, r.err); }

const ImageGeometry kGeometry({7, 6, 5}, {0.75, 1.25, 2.5}, {12.5, -30.25, 40.75}, Mat3::rotation({0, 0, 1}, 0.2));

fs::path writeTestVolume(const fs::path& dir) {
  auto img = allocateImage<ImageI16>(kGeometry);
  for (std::size_t i = 0; i < kGeometry.voxelCount(); ++i) img->GetBufferPointer()[i] = static_cast<std::int16_t>(i) - 50;
  const fs::path path = dir / "test volume.nii.gz";  // a space, as users' folders have
  fw::io::writeImageFile(Volume(img), path);
  return path;
}

// A small oblique CT series (int16 HU) written as DICOM; returns the volume written.
VolumePtr writeCtSeries(const fs::path& folder, int seriesNumber = 7) {
  const ImageGeometry g({12, 10, 8}, {0.8, 0.9, 2.0}, {-20.5, 14.25, 33.0}, Mat3::rotation({0.3, 1.0, 0.2}, 0.3));
  auto img = allocateImage<ImageI16>(g);
  for (std::size_t i = 0; i < g.voxelCount(); ++i) img->GetBufferPointer()[i] = static_cast<std::int16_t>((i * 37) % 3000) - 1024;
  auto v = std::make_shared<Volume>(img, Modality::CT, "HU");
  fw::dicom::SeriesWriteOptions o;
  o.modality = Modality::CT;
  o.identity.patientName = "TEST^CLI";
  o.identity.patientId = "CLI-1";
  o.identity.studyDescription = "CLI study";
  o.identity.seriesDescription = "CT small";
  o.identity.seriesNumber = seriesNumber;
  fw::dicom::writeSeries({v}, {}, o, folder, NullProgress::instance());
  return v;
}


QString arg(const fs::path& p) { return QString::fromStdString(p.string()); }

}  // namespace

class CliTest : public QObject {
  Q_OBJECT
 private slots:
  void helpListsCommands();
  void unknownCommand();
  void infoText();
  void infoJson();
  void infoMissingFile();
  void infoWrongArguments();
  void infoHelp();
  void infoColin27();
  void infoDicomFile();
  void infoDicomTreeJson();
  void convertList();
  void convert3d();
  void convertDwi4d();
  void convertWrongArguments();
  void convertExistingOutput();
  void convertOneStackOfSplitSeries();
  void benchImportScanFiles();
  void registerPrintsBothTranslations();
  void registerPicksAMovingVolume();
};

void CliTest::helpListsCommands() {
  const Run r = runCli({"--help"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY(r.out.contains("Commands:"));
  QVERIFY(r.out.contains(QRegularExpression("\\n  info +\\S")));
  QVERIFY(runCli({}).exitCode != 0);
}

void CliTest::unknownCommand() {
  const Run r = runCli({"frobnicate"});
  QVERIFY2(r.exitCode == 2, qPrintable(describe(r)));
  QVERIFY(r.err.contains("frobnicate"));
}

void CliTest::infoText() {
  const auto path = writeTestVolume(fw::test::scratchDir("cli_info_text"));
  const Run r = runCli({"info", QString::fromStdString(path.string())});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY2(r.out.contains("7 x 6 x 5"), qPrintable(r.out));
  QVERIFY(r.out.contains("NIfTI"));
  QVERIFY(r.out.contains("0.75 x 1.25 x 2.5 mm"));
  QVERIFY(r.out.contains("(12.5, -30.25, 40.75) mm"));
  QVERIFY(r.out.contains(QString::fromStdString(orientationCode(kGeometry.direction()))));
  QVERIFY(r.out.contains("int16"));
  QVERIFY(r.out.contains("-50 .. 159"));
}

void CliTest::infoJson() {
  const auto path = writeTestVolume(fw::test::scratchDir("cli_info_json"));
  const Run r = runCli({"info", QString::fromStdString(path.string()), "--json"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
  QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + "\n" + r.out));
  QVERIFY(doc.isObject());
  const QJsonObject o = doc.object();
  QCOMPARE(o["format"].toString(), QString("NIfTI"));
  QCOMPARE(o["path"].toString(), QString::fromStdString(path.string()));
  QCOMPARE(o["dimensions"].toInt(), 3);
  QCOMPARE(o["dataType"].toString(), QString("int16"));
  QCOMPARE(o["orientation"].toString(), QString::fromStdString(orientationCode(kGeometry.direction())));
  const QJsonArray size = o["size"].toArray(), spacing = o["spacing"].toArray(), origin = o["origin"].toArray();
  const QJsonArray direction = o["direction"].toArray();
  QCOMPARE(size.size(), 3);
  QCOMPARE(spacing.size(), 3);
  QCOMPARE(origin.size(), 3);
  QCOMPARE(direction.size(), 3);
  for (int a = 0; a < 3; ++a) {
    QCOMPARE(size[a].toInt(), int(kGeometry.size()[a]));
    QVERIFY(std::abs(spacing[a].toDouble() - kGeometry.spacing()[a]) < 1e-5);
    QVERIFY(std::abs(origin[a].toDouble() - kGeometry.origin()[a]) < 1e-5);
    for (int b = 0; b < 3; ++b)
      QVERIFY(std::abs(direction[a].toArray()[b].toDouble() - kGeometry.direction()(a, b)) < 1e-5);
  }
  QCOMPARE(o["valueRange"].toArray()[0].toDouble(), -50.0);
  QCOMPARE(o["valueRange"].toArray()[1].toDouble(), 159.0);
}

void CliTest::infoMissingFile() {
  const auto dir = fw::test::scratchDir("cli_info_missing");
  for (const char* name : {"absent_volume.nii.gz", "absent_folder"}) {
    const Run r = runCli({"info", QString::fromStdString((dir / name).string())});
    QVERIFY2(r.exitCode == 1, qPrintable(describe(r)));
    QVERIFY2(r.err.contains(name), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
  }
}

void CliTest::infoWrongArguments() {
  Run r = runCli({"info"});
  QVERIFY2(r.exitCode != 0, qPrintable(describe(r)));
  QVERIFY2(r.err.contains("missing argument"), qPrintable(r.err));
  r = runCli({"info", "a.nii", "--jsn"});
  QVERIFY2(r.exitCode != 0, qPrintable(describe(r)));
  QVERIFY2(r.err.contains("--jsn"), qPrintable(r.err));
  r = runCli({"info", "a.nii", "b.nii"});
  QVERIFY2(r.exitCode != 0, qPrintable(describe(r)));
  QVERIFY2(r.err.contains("b.nii"), qPrintable(r.err));
}

void CliTest::infoHelp() {
  const Run r = runCli({"info", "--help"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY(r.out.contains("Usage: fusion-cli info PATH [--json]"));
}

void CliTest::infoColin27() {
  const fs::path path = fw::test::sharedData() / "nifti_colin27" / "ch2.nii.gz";
  if (!fs::exists(path)) QSKIP("shared data nifti_colin27 not present");
  const Run r = runCli({"info", QString::fromStdString(path.string()), "--json"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
  // MANIFEST.tsv: 181x217x181, 1 mm, uint8.
  QCOMPARE(o["size"].toArray(), (QJsonArray{181, 217, 181}));
  for (const auto& s : o["spacing"].toArray()) QVERIFY(std::abs(s.toDouble() - 1.0) < 1e-6);
  QCOMPARE(o["dataType"].toString(), QString("uint8"));
  QCOMPARE(o["pixelType"].toString(), QString("int16"));
  QVERIFY(o["valueRange"].toArray()[1].toDouble() <= 255.0);
}

void CliTest::infoDicomFile() {
  const fs::path path = fw::test::sharedData() / "unit_minis" / "CT_small.dcm";
  if (!fs::exists(path)) QSKIP("shared data unit_minis not present");
  const Run r = runCli({"info", QString::fromStdString(path.string()), "--json"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
  QCOMPARE(o["format"].toString(), QString("DICOM"));
  QCOMPARE(o["seriesCount"].toInt(), 1);
  const QJsonArray series = o["patients"][0]["studies"][0]["series"].toArray();
  QCOMPARE(series.size(), 1);
  const QJsonObject s = series[0].toObject();
  QCOMPARE(s["modality"].toString(), QString("CT"));
  QCOMPARE(s["geometry"]["size"].toArray(), (QJsonArray{128, 128, 1}));
  QCOMPARE(s["geometry"]["orientation"].toString(), QString("LPS"));
  const Run text = runCli({"info", QString::fromStdString(path.string())});
  QVERIFY2(text.exitCode == 0, qPrintable(describe(text)));
  QVERIFY(text.out.contains("1 DICOM series"));
}

void CliTest::infoDicomTreeJson() {
  const auto dir = fw::test::scratchDir("cli_info_tree");
  const auto v = writeCtSeries(dir / "ct");
  { std::ofstream(dir / "ct" / "notes.txt") << "not DICOM"; }
  const Run r = runCli({"info", arg(dir), "--json"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QJsonParseError error;
  const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8(), &error).object();
  QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString() + "\n" + r.out));
  QCOMPARE(o["format"].toString(), QString("DICOM"));
  QCOMPARE(o["seriesCount"].toInt(), 1);
  QCOMPARE(o["filesExamined"].toInt(), 9);
  const QJsonArray patients = o["patients"].toArray();
  QCOMPARE(patients.size(), 1);
  QCOMPARE(patients[0]["patientName"].toString(), QString("TEST^CLI"));
  QCOMPARE(patients[0]["patientId"].toString(), QString("CLI-1"));
  const QJsonArray studies = patients[0]["studies"].toArray();
  QCOMPARE(studies.size(), 1);
  QCOMPARE(studies[0]["studyDescription"].toString(), QString("CLI study"));
  const QJsonObject s = studies[0]["series"][0].toObject();
  QCOMPARE(s["seriesNumber"].toInt(), 7);
  QCOMPARE(s["description"].toString(), QString("CT small"));
  QCOMPARE(s["modality"].toString(), QString("CT"));
  QCOMPARE(s["kind"].toString(), QString("image"));
  QCOMPARE(s["images"].toInt(), 8);
  QCOMPARE(s["files"].toInt(), 8);
  QCOMPARE(s["volumes"].toInt(), 1);
  QVERIFY(!s["seriesInstanceUid"].toString().isEmpty());
  const auto& g = v->geometry();
  const QJsonObject geo = s["geometry"].toObject();
  QCOMPARE(geo["size"].toArray(), (QJsonArray{12, 10, 8}));
  for (int a = 0; a < 3; ++a) {
    QVERIFY(std::abs(geo["spacing"][a].toDouble() - g.spacing()[a]) < 1e-4);
    QVERIFY(std::abs(geo["origin"][a].toDouble() - g.origin()[a]) < 1e-3);
    for (int b = 0; b < 3; ++b) QVERIFY(std::abs(geo["direction"][a][b].toDouble() - g.direction()(a, b)) < 1e-5);
  }
  QCOMPARE(geo["orientation"].toString(), QString::fromStdString(orientationCode(g.direction())));
  // The text file is skipped, with its name and a reason.
  const QJsonArray skipped = o["skipped"].toArray();
  QCOMPARE(skipped.size(), 1);
  QVERIFY(skipped[0]["file"].toString().endsWith("notes.txt"));
  QVERIFY(!skipped[0]["reason"].toString().isEmpty());
  // Text: the same tree.
  const Run text = runCli({"info", arg(dir)});
  QVERIFY2(text.exitCode == 0, qPrintable(describe(text)));
  QVERIFY(text.out.contains("Patient TEST^CLI"));
  QVERIFY(text.out.contains("Series 7  CT  image"));
  QVERIFY(text.out.contains("12 x 10 x 8"));
  QVERIFY(text.out.contains("notes.txt"));
}

void CliTest::convertList() {
  const auto dir = fw::test::scratchDir("cli_convert_list");
  writeCtSeries(dir / "a", 3);
  writeCtSeries(dir / "b", 5);
  const Run r = runCli({"convert", arg(dir), "--list"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY(r.out.contains("2 DICOM series"));
  QVERIFY(r.out.contains(QRegularExpression("\\n +3  CT +image +8  12 x 10 x 8")));
  QVERIFY(r.out.contains(QRegularExpression("\\n +5  CT +image")));
}

void CliTest::convert3d() {
  const auto dir = fw::test::scratchDir("cli_convert_3d");
  const auto v = writeCtSeries(dir / "ct");
  const fs::path out = dir / "ct out.nii.gz";
  const Run r = runCli({"convert", arg(dir / "ct"), "-o", arg(out)});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY(r.out.contains("12 x 10 x 8"));
  const auto info = fw::io::readImageInfo(out);
  QCOMPARE(info.dimensions, 3u);
  QCOMPARE(info.componentType, std::string("int16"));
  const auto read = fw::io::readImageFile(out);
  // dcm2niix's order: rows reversed; same world positions and values.
  const auto expected = fw::io::niftiGrid(v->geometry(), true);
  for (int a = 0; a < 3; ++a) {
    QVERIFY(std::abs(read->geometry().origin()[a] - expected.origin()[a]) < 1e-3);
    for (int b = 0; b < 3; ++b) QVERIFY(std::abs(read->geometry().direction()(a, b) - expected.direction()(a, b)) < 1e-5);
  }
  QString why;
  QVERIFY2(sameByWorld(*read, *v, why), qPrintable(why));
  QVERIFY(!fs::exists(dir / "ct out.bval"));  // not a DWI
  // --native-order keeps the importer's grid.
  const Run n = runCli({"convert", arg(dir / "ct"), "-o", arg(dir / "native.nii"), "--native-order", "--series", "7"});
  QVERIFY2(n.exitCode == 0, qPrintable(describe(n)));
  const auto nat = fw::io::readImageFile(dir / "native.nii");
  QVERIFY(norm(nat->geometry().origin() - v->geometry().origin()) < 1e-3);
  QVERIFY2(sameByWorld(*nat, *v, why), qPrintable(why));
}

void CliTest::convertDwi4d() {
  // The phantom's DWI (b-values and LPS gradients known from its truth) as a DICOM series.
  const auto dir = fw::test::scratchDir("cli_convert_dwi");
  const auto& truth = fw::phantom::studyTruth();
  const auto dwi = fw::phantom::makeDwi();
  QCOMPARE(dwi.size(), truth.bValues.size());
  std::vector<fw::dicom::FrameInfo> frames(dwi.size());
  for (std::size_t v = 0; v < dwi.size(); ++v) {
    frames[v].bValue = truth.bValues[v];
    if (truth.bValues[v] > 0) frames[v].gradientLps = truth.gradientsLps[v];
  }
  fw::dicom::SeriesWriteOptions o;
  o.modality = Modality::MR;
  o.repetitionTimeMs = 8000;
  o.echoTimeMs = 80;
  o.identity.seriesNumber = 3;
  o.identity.seriesDescription = "DWI phantom";
  fw::dicom::writeSeries(dwi, frames, o, dir / "dwi", NullProgress::instance());
  const fs::path out = dir / "dwi.nii";
  const Run r = runCli({"convert", arg(dir / "dwi"), "--series", "3", "-o", arg(out)});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  const auto info = fw::io::readImageInfo(out);
  QCOMPARE(info.dimensions, 4u);
  QCOMPARE(info.size[3], dwi.size());
  QVERIFY(std::abs(info.spacing[3] - 8.0) < 1e-6);  // TR in s in pixdim[4]
  const auto d = fw::io::readDiffusionImage(out);
  QCOMPARE(d.volumes.size(), dwi.size());
  QString why;
  for (std::size_t v : {std::size_t(0), std::size_t(1), dwi.size() - 1})
    QVERIFY2(sameByWorld(*d.volumes[v], *dwi[v], why), qPrintable(QString("volume %1: %2").arg(v).arg(why)));
  for (std::size_t v = 0; v < dwi.size(); ++v) {
    QCOMPARE(d.table.bValues[v], truth.bValues[v]);
    const Vec3 expected = truth.bValues[v] > 0 ? normalized(truth.gradientsLps[v]) : Vec3{0, 0, 0};
    QVERIFY2(norm(d.gradients[v] - expected) < 1e-5,
             qPrintable(QString("volume %1: %2 vs %3").arg(v).arg(toString(d.gradients[v], 5).c_str(), toString(expected, 5).c_str())));
    // FSL convention directly: voxel axes of the file, x negated when det > 0.
    const auto& g = d.volumes.front()->geometry();
    Vec3 fsl{dot(expected, g.direction().column(0)), dot(expected, g.direction().column(1)), dot(expected, g.direction().column(2))};
    if (g.direction().determinant() > 0) fsl.x = -fsl.x;
    QVERIFY(norm(d.table.vectors[v] - fsl) < 1e-5);
  }
}

void CliTest::convertWrongArguments() {
  const auto dir = fw::test::scratchDir("cli_convert_wrong");
  writeCtSeries(dir / "a", 3);
  writeCtSeries(dir / "b", 5);
  struct Case {
    QStringList args;
    QString expected;
  };
  const QList<Case> cases{
      {{"convert", arg(dir), "-o", arg(dir / "x.nii"), "--series", "4"}, "no series 4"},
      {{"convert", arg(dir), "-o", arg(dir / "x.nii"), "--series", "1.2.3.999"}, "no series 1.2.3.999"},
      {{"convert", arg(dir), "-o", arg(dir / "x.nii")}, "choose one with --series"},
      {{"convert", arg(dir), "--series", "3"}, "missing option -o"},
      {{"convert", arg(dir), "--series", "3", "-o", arg(dir / "x.nrrd")}, "must end in .nii"},
      {{"convert", arg(dir), "--series", "3", "-o", arg(dir / "absent" / "x.nii")}, "does not exist"},
      {{"convert", arg(dir / "nothing"), "-o", arg(dir / "x.nii")}, "no such file or folder"},
      {{"convert", arg(dir), "-o", arg(dir / "x.nii"), "--sries", "3"}, "--sries"},
      {{"convert"}, "missing argument"},
  };
  for (const auto& c : cases) {
    const Run r = runCli(c.args);
    QVERIFY2(r.exitCode == 1, qPrintable(c.args.join(' ') + "\n" + describe(r)));
    QVERIFY2(r.err.contains(c.expected), qPrintable(c.args.join(' ') + "\n" + describe(r)));
  }
  QVERIFY(!fs::exists(dir / "x.nii"));
  QVERIFY(!fs::exists(dir / "x.nrrd"));
}

void CliTest::convertExistingOutput() {
  const auto dir = fw::test::scratchDir("cli_convert_existing");
  const auto v = writeCtSeries(dir / "ct");
  const fs::path out = dir / "out.nii";
  { std::ofstream(out) << "keep me"; }
  Run r = runCli({"convert", arg(dir / "ct"), "-o", arg(out)});
  QVERIFY2(r.exitCode == 1, qPrintable(describe(r)));
  QVERIFY2(r.err.contains("out.nii") && r.err.contains("--force"), qPrintable(r.err));
  std::ifstream in(out);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  QCOMPARE(content, std::string("keep me"));
  r = runCli({"convert", arg(dir / "ct"), "-o", arg(out), "--force"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QString why;
  QVERIFY2(sameByWorld(*fw::io::readImageFile(out), *v, why), qPrintable(why));
  // No temporary files left beside it.
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  QCOMPARE(files, std::size_t(1));
}

// One enhanced file with two stacks (axial and coronal) is listed as series 5.1 and 5.2; info
// prints those names, convert --series accepts them (and UID#S) and writes that stack alone,
// and a plain "5" is refused with the choices.
void CliTest::convertOneStackOfSplitSeries() {
  const auto dir = fw::test::scratchDir("cli_convert_stacks");
  const ImageGeometry axial({16, 12, 6}, {0.9, 1.1, 2.0}, {-20, -25, -30}, Mat3::identity());
  const ImageGeometry coronal({16, 12, 9}, {0.9, 1.1, 1.5}, {-20, 10, 30}, Mat3::fromColumns({1, 0, 0}, {0, 0, -1}, {0, 1, 0}));
  auto value = [](std::size_t s, std::size_t k, std::size_t i, std::size_t j) {
    return static_cast<std::uint16_t>(1000 * (s + 1) + 97 * k + 7 * j + i);
  };
  fs::create_directories(dir / "in");
  fw::test::writeEnhancedMr(dir / "in" / "stacks.dcm", {{"1", axial}, {"2", coronal}}, value, 5);
  const ImageGeometry grids[2] = {axial, coronal};
  auto expected = [&](std::size_t s) {
    auto img = allocateImage<ImageU16>(grids[s]);
    const auto& n = grids[s].size();
    for (std::size_t k = 0; k < n[2]; ++k)
      for (std::size_t j = 0; j < n[1]; ++j)
        for (std::size_t i = 0; i < n[0]; ++i) img->GetBufferPointer()[i + n[0] * (j + n[1] * k)] = value(s, k, i, j);
    return Volume(img);
  };

  Run r = runCli({"info", arg(dir / "in")});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY2(r.out.contains("Series 5.1  MR") && r.out.contains("Series 5.2  MR"), qPrintable(r.out));
  QVERIFY2(r.out.contains(QRegularExpression("Stack: +2 of 2 in this series \\(--series 5\\.2 or [0-9.]+#2\\)")),
           qPrintable(r.out));
  r = runCli({"info", arg(dir / "in"), "--json"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  const auto series =
      QJsonDocument::fromJson(r.out.toUtf8()).object()["patients"][0]["studies"][0]["series"].toArray();
  QCOMPARE(series.size(), 2);
  QString uid;
  for (int s = 0; s < 2; ++s) {
    const auto o = series[s].toObject();
    QCOMPARE(o["selector"].toString(), QString("5.%1").arg(s + 1));
    QCOMPARE(o["stack"].toInt(), s + 1);
    QCOMPARE(o["stackCount"].toInt(), 2);
    uid = o["seriesInstanceUid"].toString();
  }
  QVERIFY(!uid.isEmpty());

  r = runCli({"convert", arg(dir / "in"), "--list"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY2(r.out.contains(QRegularExpression("\\n +5\\.2  MR +image +9  16 x 12 x 9")), qPrintable(r.out));
  QVERIFY2(r.out.contains(uid + "#1"), qPrintable(r.out));

  // The plain number matches both stacks: refused, naming both.
  r = runCli({"convert", arg(dir / "in"), "--series", "5", "-o", arg(dir / "x.nii")});
  QVERIFY2(r.exitCode == 1, qPrintable(describe(r)));
  QVERIFY2(r.err.contains("holds 2 stacks") && r.err.contains("\n  5.1  ") && r.err.contains("\n  5.2  "), qPrintable(r.err));
  r = runCli({"convert", arg(dir / "in"), "--series", "5.3", "-o", arg(dir / "x.nii")});
  QVERIFY2(r.exitCode == 1 && r.err.contains("no series 5.3"), qPrintable(describe(r)));
  QVERIFY(!fs::exists(dir / "x.nii"));

  const QStringList selectors{"5.2", uid + "#1", "05.02"};
  const std::size_t stackOf[3] = {1, 0, 1};
  for (int c = 0; c < selectors.size(); ++c) {
    const fs::path out = dir / ("stack" + std::to_string(c) + ".nii");
    r = runCli({"convert", arg(dir / "in"), "--series", selectors[c], "-o", arg(out)});
    QVERIFY2(r.exitCode == 0, qPrintable(selectors[c] + "\n" + describe(r)));
    const auto read = fw::io::readImageFile(out);
    QCOMPARE(read->geometry().size(), grids[stackOf[c]].size());
    QString why;
    QVERIFY2(sameByWorld(*read, expected(stackOf[c]), why), qPrintable(selectors[c] + ": " + why));
  }

  // register takes the same stack names: 5.2 is found as the fixed series (the run then fails
  // on the moving side, which names the stacks as --moving-series takes them).
  r = runCli({"register", "--fixed", arg(dir / "in"), "--fixed-series", "5.2", "--moving", arg(dir / "in"),
              "--moving-series", "5.7", "-o", arg(dir / "r.tfm")});
  QVERIFY2(r.exitCode == 1 && r.err.contains("no series 5.7") && r.err.contains("5.1, 5.2"),
           qPrintable(describe(r)));
  QVERIFY2(!r.err.contains("no series 5.2"), qPrintable(describe(r)));
  QVERIFY(!fs::exists(dir / "r.tfm"));
}

void CliTest::benchImportScanFiles() {
  const Run r = runCli({"bench-import", "--scan-files", "120", "--repeat", "1"});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  const auto m = QRegularExpression("scan of (\\d+) DICOM files.*\\n +([0-9.]+) s, (\\d+) files/s",
                                    QRegularExpression::DotMatchesEverythingOption).match(r.out);
  QVERIFY2(m.hasMatch(), qPrintable(r.out));
  QCOMPARE(m.captured(1).toInt(), 120);
  QVERIFY(m.captured(3).toInt() > 0);
  QVERIFY(runCli({"bench-import", "--scan-files", "lots"}).exitCode == 1);
  QVERIFY(runCli({"bench-import", "--repeat", "0"}).exitCode == 1);
}

// --- register -------------------------------------------------------------------------------

namespace {

// Two smooth blobs (world mm) on an oblique 1.25 mm grid whose centre is far from the origin,
// so a rotation makes the centre's shift and the translation about the origin differ.
const ImageGeometry kRegGrid({40, 40, 32}, {1.25, 1.25, 1.25}, {-10, 5, 20}, Mat3::rotation({0, 0, 1}, 0.1));
double regBlobs(const Vec3& p) {
  auto blob = [&](Vec3 c, double r) { return std::exp(-dot(p - c, p - c) / (2 * r * r)); };
  return 1000 * blob({12, 30, 38}, 7) + 600 * blob({22, 22, 44}, 5) + 300 * blob({8, 18, 32}, 4);
}
VolumePtr regVolume(const Vec3& shift) {
  auto img = allocateImage<ImageF32>(kRegGrid);
  float* px = img->GetBufferPointer();
  for (std::size_t k = 0; k < kRegGrid.size()[2]; ++k)
    for (std::size_t j = 0; j < kRegGrid.size()[1]; ++j)
      for (std::size_t i = 0; i < kRegGrid.size()[0]; ++i)
        *px++ = static_cast<float>(regBlobs(kRegGrid.indexToWorld({double(i), double(j), double(k)}) - shift));
  return std::make_shared<Volume>(img, Modality::MR);
}

// The numbers after `label` on its line of the output ("label: 1.0 2.0 3.0").
std::vector<double> numbersAfter(const QString& out, const QString& label) {
  std::vector<double> v;
  for (const QString& line : out.split('\n')) {
    if (!line.startsWith(label)) continue;
    for (const QString& w : line.mid(label.size()).split(QRegularExpression("[\\s:]+"), Qt::SkipEmptyParts)) {
      bool ok = false;
      const double d = w.toDouble(&ok);
      if (ok) v.push_back(d);
    }
  }
  return v;
}

}  // namespace

void CliTest::registerPrintsBothTranslations() {
  const auto dir = fw::test::scratchDir("cli_register_readouts");
  fw::io::writeImageFile(*regVolume({}), dir / "fixed.nii.gz");
  fw::io::writeImageFile(*regVolume({2.5, -1.5, 2}), dir / "moving.nii.gz");
  const Run r = runCli({"register", "--fixed", arg(dir / "fixed.nii.gz"), "--moving", arg(dir / "moving.nii.gz"), "-o",
                        arg(dir / "t.tfm")});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  // Matrix rows: three coefficients and the translation each.
  std::vector<double> m;
  bool inMatrix = false;
  for (const QString& line : r.out.split('\n')) {
    if (line.startsWith("matrix")) inMatrix = true;
    else if (inMatrix && line.startsWith("  ")) for (const QString& w : line.split(' ', Qt::SkipEmptyParts)) m.push_back(w.toDouble());
    else inMatrix = false;
  }
  QVERIFY2(m.size() == 12, qPrintable(r.out));
  const auto t = numbersAfter(r.out, "translation (mm, LPS, about the origin, as in the .tfm):");
  // "centre shift (mm, LPS, where the fixed centre X Y Z goes): DX DY DZ"
  const auto cs = numbersAfter(r.out, "centre shift (mm, LPS, where the fixed centre");
  QVERIFY2(t.size() == 3 && cs.size() == 6, qPrintable(r.out));
  const Vec3 centre{cs[0], cs[1], cs[2]}, shift{cs[3], cs[4], cs[5]};
  QVERIFY2(norm(centre - kRegGrid.center()) < 0.01, qPrintable(r.out));
  // The two readings of one transform: shift = M c + t - c (printed to 3 decimals).
  for (int row = 0; row < 3; ++row) {
    const double mc = m[row * 4] * centre.x + m[row * 4 + 1] * centre.y + m[row * 4 + 2] * centre.z;
    QVERIFY2(std::abs(mc + t[row] - centre[row] - shift[row]) < 0.01, qPrintable(r.out));
    QVERIFY2(std::abs(m[row * 4 + 3] - t[row]) < 0.001, qPrintable(r.out));
  }
  // The moving blobs sit 2.5, -1.5, 2 mm away: that is where the fixed centre goes.
  QVERIFY2(norm(shift - Vec3{2.5, -1.5, 2}) < 0.3, qPrintable(r.out));
  // The translation is the .tfm's own (its last three parameters; our files have a zero centre).
  std::ifstream tfm(dir / "t.tfm");
  const std::string text((std::istreambuf_iterator<char>(tfm)), std::istreambuf_iterator<char>());
  const auto params = numbersAfter(QString::fromStdString(text), "Parameters:");
  QVERIFY2(params.size() == 12, text.c_str());
  for (int i = 0; i < 3; ++i) QVERIFY2(std::abs(params[9 + i] - t[i]) < 0.001, text.c_str());
  QVERIFY2(text.find("FixedParameters: 0 0 0") != std::string::npos, text.c_str());
}

void CliTest::registerPicksAMovingVolume() {
  const auto dir = fw::test::scratchDir("cli_register_volume");
  fw::io::writeImageFile(*regVolume({}), dir / "fixed.nii.gz");
  // A 4D moving file: volume 1 aligned with the fixed image, volume 2 shifted by (3, -2, 1.5) mm.
  fw::io::NiftiWriteOptions options;
  options.dcm2niixLayout = false;
  fw::io::writeNifti({regVolume({}), regVolume({3, -2, 1.5})}, dir / "moving4d.nii.gz", options);
  const QString fixed = arg(dir / "fixed.nii.gz"), moving = arg(dir / "moving4d.nii.gz");
  auto centreShift = [](const Run& r) {
    const auto cs = numbersAfter(r.out, "centre shift (mm, LPS, where the fixed centre");
    return cs.size() == 6 ? Vec3{cs[3], cs[4], cs[5]} : Vec3{1e9, 1e9, 1e9};
  };

  Run r = runCli({"register", "--fixed", fixed, "--moving", moving, "-o", arg(dir / "first.tfm")});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY2(r.err.contains("has 2 volumes; registering the first (choose one with --moving-volume N)"), qPrintable(r.err));
  QVERIFY2(norm(centreShift(r)) < 0.3, qPrintable(describe(r)));

  r = runCli({"register", "--fixed", fixed, "--moving", moving, "--moving-volume", "2", "-o", arg(dir / "second.tfm")});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY2(!r.err.contains("registering the first"), qPrintable(r.err));
  QVERIFY2(norm(centreShift(r) - Vec3{3, -2, 1.5}) < 0.3, qPrintable(describe(r)));

  // Out of range or not a number: a clear error naming the option and the file, nothing written.
  for (const QString& bad : {QString("3"), QString("0"), QString("two")}) {
    r = runCli({"register", "--fixed", fixed, "--moving", moving, "--moving-volume", bad, "-o", arg(dir / "bad.tfm")});
    QVERIFY2(r.exitCode == 1, qPrintable(describe(r)));
    QVERIFY2(r.err.contains("--moving-volume"), qPrintable(r.err));
    QVERIFY(!fs::exists(dir / "bad.tfm"));
  }
  QVERIFY2(r.err.contains("--moving-volume"), qPrintable(r.err));
  r = runCli({"register", "--fixed", fixed, "--moving", moving, "--moving-volume", "3", "-o", arg(dir / "bad.tfm")});
  QVERIFY2(r.err.contains("2 volume(s)") && r.err.contains("moving4d.nii.gz"), qPrintable(r.err));

  // The same for a 4D fixed image: its volume 2 is shifted, so fixed p shows at p - shift.
  r = runCli({"register", "--fixed", moving, "--fixed-volume", "2", "--moving", fixed, "-o", arg(dir / "fixed2.tfm")});
  QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
  QVERIFY2(!r.err.contains("registering the first"), qPrintable(r.err));
  QVERIFY2(norm(centreShift(r) + Vec3{3, -2, 1.5}) < 0.3, qPrintable(describe(r)));
}

QTEST_GUILESS_MAIN(CliTest)
#include "CliTest.moc"
