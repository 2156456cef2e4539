// fusion-cli as a user runs it: the command table, exit codes, and `info` in text and JSON.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include "TestData.h"
#include "fw/core/Volume.h"
#include "fw/io/ImageFile.h"

using namespace fw::core;
namespace fs = std::filesystem;

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
  const QJsonArray series = o["series"].toArray();
  QCOMPARE(series.size(), 1);
  const QJsonObject s = series[0].toObject();
  QCOMPARE(s["modality"].toString(), QString("CT"));
  QCOMPARE(s["size"].toArray(), (QJsonArray{128, 128, 1}));
  QCOMPARE(s["orientation"].toString(), QString("LPS"));
  const Run text = runCli({"info", QString::fromStdString(path.string())});
  QVERIFY2(text.exitCode == 0, qPrintable(describe(text)));
  QVERIFY(text.out.contains("1 DICOM series"));
}

QTEST_GUILESS_MAIN(CliTest)
#include "CliTest.moc"
