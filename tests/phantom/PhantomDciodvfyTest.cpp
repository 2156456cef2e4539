// dicom3tools' dciodvfy finds no errors in the sample study: the first, middle and last file of
// every series (warnings are listed, not failed). Skipped (77) when dciodvfy is not installed.
#include <QtTest>
#include <QProcess>
#include <QStandardPaths>

#include "PhantomTestUtil.h"

using namespace fw;

class PhantomDciodvfyTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void noErrors_data();
  void noErrors();

 private:
  QString m_tool;
  std::filesystem::path m_dir;
};

void PhantomDciodvfyTest::initTestCase() {
  m_tool = QStandardPaths::findExecutable("dciodvfy");
  if (m_tool.isEmpty()) {
    std::fprintf(stderr, "SKIP: dciodvfy is not on PATH (Debian package dicom3tools)\n");
    std::exit(77);
  }
  m_dir = test::ensureSampleStudy();
}

void PhantomDciodvfyTest::noErrors_data() {
  QTest::addColumn<QString>("key");
  for (const auto& s : phantom::seriesSpecs()) QTest::newRow(s.key.c_str()) << QString::fromStdString(s.key);
}

void PhantomDciodvfyTest::noErrors() {
  QFETCH(QString, key);
  const auto files = test::seriesFiles(m_dir / "dicom" / key.toStdString());
  QVERIFY(!files.empty());
  for (const auto& f : {files.front(), files[files.size() / 2], files.back()}) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(m_tool, {QString::fromStdString(f.string())});
    QVERIFY(p.waitForFinished(60000));
    const QString out = QString::fromLocal8Bit(p.readAll());
    QStringList errors;
    for (const auto& line : out.split('\n')) {
      if (line.startsWith("Error")) errors << line;
      if (line.startsWith("Warning")) qInfo("%s: %s", qPrintable(key), qPrintable(line));
    }
    QVERIFY2(errors.isEmpty(), qPrintable(QString::fromStdString(f.string()) + ":\n" + errors.join('\n')));
    QVERIFY2(out.contains("Image"), qPrintable("dciodvfy did not recognise the IOD:\n" + out));
  }
}

QTEST_GUILESS_MAIN(PhantomDciodvfyTest)
#include "PhantomDciodvfyTest.moc"
