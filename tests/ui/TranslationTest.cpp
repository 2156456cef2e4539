// The zh_CN translation: compiled into fw_ui, complete (every UI string of the sources has a
// finished translation, checked by running lupdate on today's sources), and used by the main
// window once installed.
#include <QtTest>

#include <QApplication>
#include <QMenuBar>
#include <QProcess>
#include <QTemporaryDir>
#include <QTranslator>
#include <QXmlStreamReader>

#include <set>
#include <utility>

#include "fw/scene/Scene.h"
#include "fw/scene/StudyModel.h"
#include "fw/scene/VolumeLoader.h"
#include "fw/ui/DisplayText.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/SliceView.h"

namespace {

using Entry = std::pair<QString, QString>;  // context, source

struct TsContents {
  std::set<Entry> all, unfinished;
};

TsContents readTs(const QString& path) {
  TsContents out;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return out;
  QXmlStreamReader xml(&file);
  QString context, source;
  while (!xml.atEnd()) {
    xml.readNext();
    if (!xml.isStartElement()) continue;
    if (xml.name() == u"name") context = xml.readElementText();
    else if (xml.name() == u"source") source = xml.readElementText();
    else if (xml.name() == u"translation") {
      const bool unfinished = xml.attributes().value("type") == u"unfinished" ||
                              xml.attributes().value("type") == u"vanished" ||
                              xml.attributes().value("type") == u"obsolete";
      const QString text = xml.readElementText();
      out.all.insert({context, source});
      if (unfinished || text.trimmed().isEmpty()) out.unfinished.insert({context, source});
    }
  }
  return out;
}

QString join(const std::set<Entry>& entries) {
  QStringList list;
  for (const auto& [c, s] : entries) list << c + ": \"" + s.left(60) + "\"";
  return list.join("\n");
}

}  // namespace

class TranslationTest : public QObject {
  Q_OBJECT

 private slots:
  void everyStringIsTranslated() {
    const auto ts = readTs(FW_TS_FILE);
    QVERIFY2(ts.all.size() > 40, qPrintable(QString("too few messages read from %1").arg(FW_TS_FILE)));
    QVERIFY2(ts.unfinished.empty(),
             qPrintable("untranslated strings in translations/fusion_zh_CN.ts:\n" + join(ts.unfinished)));
  }

  // The .ts file must list exactly today's tr() strings: a string added in the code but not
  // in the .ts would show in English to Chinese users.
  void translationFileIsUpToDate() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString fresh = dir.filePath("fresh_zh_CN.ts");
    QStringList args = QString(FW_TRANSLATED_SOURCES).split('|', Qt::SkipEmptyParts);
    for (const QString& dir : QString(FW_MORE_INCLUDE_DIRS).split('|', Qt::SkipEmptyParts)) args << "-I" << dir;
    args << "-I" << FW_UI_INCLUDE_DIR << "-no-obsolete" << "-locations" << "none" << "-ts" << fresh;
    QProcess lupdate;
    lupdate.start(FW_LUPDATE, args);
    QVERIFY2(lupdate.waitForFinished(120000), "lupdate did not finish");
    QCOMPARE(lupdate.exitCode(), 0);
    const auto now = readTs(fresh).all;
    const auto committed = readTs(FW_TS_FILE).all;
    std::set<Entry> added, removed;
    for (const auto& e : now)
      if (!committed.count(e)) added.insert(e);
    for (const auto& e : committed)
      if (!now.count(e)) removed.insert(e);
    QVERIFY2(added.empty(), qPrintable("strings missing from fusion_zh_CN.ts (run `ninja update_translations` "
                                       "and translate them):\n" + join(added)));
    QVERIFY2(removed.empty(), qPrintable("strings in fusion_zh_CN.ts that the code no longer has (run "
                                         "`ninja update_translations`):\n" + join(removed)));
  }

  // Names made below the ui layer (scene's window presets, series kinds, browser counts; the
  // rendering module's view and 3D preset names, mapped in the ui) reach the user translated.
  void lowerLayersSpeakChinese() {
    QTranslator translator;
    QVERIFY(translator.load("fusion_zh_CN", ":/i18n"));
    QVERIFY(QCoreApplication::installTranslator(&translator));
    const auto presets = fw::scene::ctWindowPresets();
    QCOMPARE(presets.front().id, QString("brain"));
    QCOMPARE(presets.front().label, QString::fromUtf8("脑窗"));
    for (const auto& p : presets) QVERIFY2(p.label.contains(QString::fromUtf8("窗")), qPrintable(p.label));
    QCOMPARE(fw::ui::viewTitle(fw::rendering::ViewOrientation::Axial), QString::fromUtf8("轴位"));
    QCOMPARE(fw::ui::viewTitle(fw::rendering::ViewOrientation::Coronal), QString::fromUtf8("冠状位"));
    QCOMPARE(fw::ui::viewTitle(fw::rendering::ViewOrientation::Sagittal), QString::fromUtf8("矢状位"));
    QCOMPARE(fw::ui::volumeViewTitle(), QString::fromUtf8("三维"));
    QCOMPARE(fw::ui::volumePresetLabel("ct-bone"), QString::fromUtf8("CT 骨骼"));
    QCOMPARE(fw::scene::seriesKindText(fw::dicom::SeriesKind::Image), QString::fromUtf8("图像"));
    QVERIFY(fw::scene::seriesKindText(fw::dicom::SeriesKind::Diffusion).contains(QString::fromUtf8("弥散")));
    QCOMPARE(fw::scene::seriesKindText(fw::dicom::SeriesKind::MultiEcho), QString::fromUtf8("多回波"));
    fw::dicom::VolumeMeta bold;
    bold.timeS = 24;
    QCOMPARE(fw::scene::volumeMetaText(bold, fw::dicom::SeriesKind::Functional), QString::fromUtf8("t = 24.0 秒"));

    // The study browser's counts: one patient with one study of two series.
    fw::dicom::ScanResult scan;
    for (int i = 0; i < 2; ++i) {
      fw::dicom::SeriesEntry e;
      e.identity.patientName = "DOE^JOHN";
      e.identity.patientId = "P1";
      e.identity.studyInstanceUid = "1.2.3";
      e.identity.seriesInstanceUid = "1.2.3." + std::to_string(i + 1);
      e.identity.seriesNumber = i + 1;
      e.kind = i == 0 ? fw::dicom::SeriesKind::Image : fw::dicom::SeriesKind::Diffusion;
      e.volumeCount = i == 0 ? 1 : 7;
      e.rows = e.columns = 8;
      e.sliceCount = 4;
      scan.series.push_back(e);
    }
    fw::scene::StudyModel model;
    model.setScan(scan, "test");
    const QModelIndex patient = model.index(0, fw::scene::StudyModel::SizeColumn);
    QCOMPARE(model.data(patient).toString(), QString::fromUtf8("1 个检查"));
    const QModelIndex study = model.index(0, fw::scene::StudyModel::SizeColumn, model.index(0, 0));
    QCOMPARE(model.data(study).toString(), QString::fromUtf8("2 个序列"));
    const int dwi = model.series(0).kind == fw::dicom::SeriesKind::Diffusion ? 0 : 1;
    QVERIFY(model.data(model.indexOfSeries(dwi, fw::scene::StudyModel::KindColumn)).toString().contains(QString::fromUtf8("弥散")));
    QVERIFY(model.data(model.indexOfSeries(dwi, fw::scene::StudyModel::SizeColumn)).toString().endsWith(QString::fromUtf8("7 个容积")));

    {
      // The slice views' corner names the view in Chinese.
      fw::ui::MainWindow window;
      window.setProperty("batchMode", true);
      const fw::core::ImageGeometry g({8, 8, 4}, {1, 1, 1}, {0, 0, 0}, fw::core::Mat3::identity());
      auto img = fw::core::allocateImage<fw::core::ImageI16>(g);
      window.scene()->setBaseVolume(std::make_shared<fw::core::Volume>(img, fw::core::Modality::CT, "HU"));
      window.sliceView(0)->refresh();
      const QStringList corner = window.sliceView(0)->annotations().corners[int(fw::ui::Corner::LowerLeft)];
      QVERIFY2(corner.join(' ').contains(QString::fromUtf8("轴位")), qPrintable(corner.join(' ')));
    }
    QCoreApplication::removeTranslator(&translator);
    QCOMPARE(fw::scene::ctWindowPresets().front().label, QString("Brain"));
    QCOMPARE(fw::ui::viewTitle(fw::rendering::ViewOrientation::Axial), QString("Axial"));
  }

  void mainWindowSpeaksChinese() {
    QTranslator translator;
    QVERIFY2(translator.load("fusion_zh_CN", ":/i18n"), "the zh_CN translation is not compiled into fw_ui");
    QVERIFY(QCoreApplication::installTranslator(&translator));
    {
      fw::ui::MainWindow window;
      window.setProperty("batchMode", true);
      QStringList titles;
      for (QAction* a : window.menuBar()->actions()) titles << a->text();
      QVERIFY2(titles.contains(QString::fromUtf8("文件(&F)")), qPrintable(titles.join(", ")));
      QVERIFY2(titles.contains(QString::fromUtf8("帮助(&H)")), qPrintable(titles.join(", ")));
      QCOMPARE(window.windowTitle().contains(QString::fromUtf8("融合工作站")), true);
    }
    QCoreApplication::removeTranslator(&translator);
    fw::ui::MainWindow english;
    QVERIFY(english.menuBar()->actions().first()->text() == "&File");
  }
};

QTEST_MAIN(TranslationTest)
#include "TranslationTest.moc"
