// Every kind of series we write passes dicom3tools' dciodvfy without errors (warnings allowed
// and listed: the DWI attributes are outside the classic MR IOD, float MR needs a rescale).
#include <QtTest>

#include "DicomTestUtil.h"
#include "ExternalTools.h"
#include "TestData.h"

using namespace fw;

class DciodvfyTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { m_tool = test::requireTool("dciodvfy"); }
  void noErrors_data();
  void noErrors();

 private:
  QString m_tool;
};

void DciodvfyTest::noErrors_data() {
  QTest::addColumn<QString>("kind");
  QTest::newRow("CT") << "ct";
  QTest::newRow("MR float") << "mr";
  QTest::newRow("DWI") << "dwi";
  QTest::newRow("BOLD") << "bold";
}

void DciodvfyTest::noErrors() {
  QFETCH(QString, kind);
  const auto folder = test::scratchDir("dciodvfy_" + kind.toStdString()) / "series";
  test::WrittenSeries w;
  if (kind == "ct") w = test::writeCtSeries(folder);
  else if (kind == "mr") w = test::writeMrSeries(folder);
  else if (kind == "dwi") w = test::writeDwiSeries(folder);
  else w = test::writeBoldSeries(folder);

  const std::vector<std::filesystem::path> sample{w.files.front(), w.files[w.files.size() / 2], w.files.back()};
  for (const auto& f : sample) {
    const auto r = test::runTool(m_tool, {QString::fromStdString(f.string())});
    QStringList errors, warnings;
    for (const auto& line : r.output.split('\n')) {
      if (line.startsWith("Error")) errors << line;
      if (line.startsWith("Warning")) warnings << line;
    }
    for (const auto& wline : warnings) qInfo("%s: %s", qPrintable(kind), qPrintable(wline));
    QVERIFY2(errors.isEmpty(), qPrintable(QString::fromStdString(f.string()) + ":\n" + errors.join('\n')));
    QVERIFY2(r.output.contains("Image"), qPrintable("dciodvfy did not recognise the IOD:\n" + r.output));
  }
}

QTEST_GUILESS_MAIN(DciodvfyTest)
#include "DciodvfyTest.moc"
