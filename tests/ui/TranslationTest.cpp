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

#include "fw/ui/MainWindow.h"

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
