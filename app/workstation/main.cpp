// fusion-workstation: the GUI. See `fusion-workstation --help`.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QLibraryInfo>
#include <QLocale>
#include <QTimer>
#include <QTranslator>
#include <cstdio>

#include "RegistrationScript.h"
#include "ScreenshotDriver.h"
#include "fw/scene/Scene.h"
#include "fw/scene/StudyModel.h"
#include "fw/scene/ThumbnailLoader.h"
#include "fw/ui/MainWindow.h"

namespace {

std::optional<fw::core::Vec3> parseCursor(const QString& text, bool& ok) {
  const QStringList parts = text.split(',');
  ok = parts.size() == 3;
  fw::core::Vec3 v;
  for (int i = 0; ok && i < 3; ++i) v[i] = parts[i].trimmed().toDouble(&ok);
  if (!ok) return std::nullopt;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  QElapsedTimer sinceStart;
  sinceStart.start();
  QApplication app(argc, argv);
  QApplication::setApplicationName("fusion-workstation");
  QApplication::setOrganizationName("FusionWorkstation");
  QApplication::setApplicationVersion(FW_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("Fusion Workstation: CT/MRI fusion and visualization.");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption sample("sample", "Open the bundled sample study (generated on first use).");
  QCommandLineOption open("open", "Open a NIfTI/NRRD/MHA file or a DICOM file or folder.", "PATH");
  QCommandLineOption screenshot("screenshot", "Render the window, write it as PNG to OUT and exit.", "OUT.png");
  QCommandLineOption layout("layout", "View layout: 2x2, axial, coronal, sagittal or 3d.", "LAYOUT", "2x2");
  QCommandLineOption cursor("cursor", "Put the cursor at x,y,z (LPS mm).", "x,y,z");
  QCommandLineOption size("size", "Window size for screenshots, WIDTHxHEIGHT.", "WxH", "1600x1000");
  QCommandLineOption lang("lang", "User interface language (en, zh_CN).", "LANG");
  parser.addOptions({sample, open, screenshot, layout, cursor, size, lang});
  QCommandLineOption moving("moving", "Registration: open PATH (file or DICOM) as the moving image.", "PATH");
  QCommandLineOption movingSeries("moving-series",
                                  "The moving image's series (number or UID) in --moving, or in the open study.", "N|UID");
  QCommandLineOption movingVolume("moving-volume",
                                  "The volume (1-based) of a 4D moving series to register, e.g. a DWI's b0.", "N");
  QCommandLineOption fusion("fusion", "Fusion display: blend, checkerboard, difference or overlay.", "MODE");
  QCommandLineOption registerMethod("register", "Register the moving image: rigid, affine, bspline or syn.", "METHOD");
  QCommandLineOption transform("transform", "Apply an ITK transform file (fixed to moving) to the moving image.", "FILE");
  QCommandLineOption nudge("nudge", "Registration: then move the moving image by x,y,z (LPS mm), one undo step.", "x,y,z");
  QCommandLineOption saveTransform("save-transform", "Registration: then save the transform (.tfm, .txt or .h5).", "FILE");
  QCommandLineOption checker("checker", "Checkerboard square size in mm.", "MM");
  QCommandLineOption windowPreset("window-preset", "Window of the fixed CT: brain, subdural, stroke, bone, soft-tissue, lung.", "ID");
  parser.addOptions(
      {moving, movingSeries, movingVolume, fusion, registerMethod, transform, nudge, saveTransform, checker, windowPreset});
  parser.addPositionalArgument("path", "A file or folder to open (same as --open).", "[path]");
  parser.process(app);

  auto fail = [](const QString& message) {
    std::fprintf(stderr, "fusion-workstation: %s\n", qPrintable(message));
    return 2;
  };

  QTranslator translator, qtTranslator;
  const QString language = parser.isSet(lang) ? parser.value(lang) : QLocale::system().name();
  if (translator.load("fusion_" + language, ":/i18n")) app.installTranslator(&translator);
  if (qtTranslator.load("qtbase_" + language, QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
    app.installTranslator(&qtTranslator);

  std::optional<fw::core::Vec3> cursorPos;
  if (parser.isSet(cursor)) {
    bool ok = false;
    cursorPos = parseCursor(parser.value(cursor), ok);
    if (!ok) return fail("--cursor expects three numbers x,y,z in mm, got '" + parser.value(cursor) + "'");
  }
  QString openPath = parser.value(open);
  if (openPath.isEmpty() && !parser.positionalArguments().isEmpty()) openPath = parser.positionalArguments().first();
  if (parser.isSet(screenshot) && openPath.isEmpty() && !parser.isSet(sample))
    return fail("--screenshot needs something to show: --sample or --open PATH");

  int movingVolumeNumber = 0;
  if (parser.isSet(movingVolume)) {
    bool ok = false;
    movingVolumeNumber = parser.value(movingVolume).toInt(&ok);
    if (!ok || movingVolumeNumber < 1)
      return fail("--moving-volume expects a volume number from 1, got '" + parser.value(movingVolume) + "'");
  }
  RegistrationOptions registration{parser.value(moving), parser.value(movingSeries), movingVolumeNumber, parser.value(fusion),
                                   parser.value(registerMethod), parser.value(transform),
                                   parser.isSet(checker) ? parser.value(checker).toDouble() : 0.0, parser.value(windowPreset), std::nullopt, QString()};
  if (parser.isSet(nudge)) {
    bool ok = false;
    registration.nudge = parseCursor(parser.value(nudge), ok);
    if (!ok) return fail("--nudge expects three numbers x,y,z in mm, got '" + parser.value(nudge) + "'");
  }
  registration.saveTransform = parser.value(saveTransform);
  if (parser.isSet(checker) && registration.checkerMm < 1) return fail("--checker expects a square size in mm (1 to 500)");
  if (const QString error = registration.validate(); !error.isEmpty()) return fail(error);
  if (registration.any() && openPath.isEmpty() && !parser.isSet(sample))
    return fail("registration options need a fixed image: --sample or --open PATH");

  fw::ui::MainWindow window;
  auto* script = new RegistrationScript(&window, registration);
  if (!window.setLayoutByName(parser.value(layout)))
    return fail("unknown --layout '" + parser.value(layout) + "' (use 2x2, axial, coronal, sagittal or 3d)");
  const QStringList wh = parser.value(size).split('x');
  if (wh.size() != 2 || wh[0].toInt() < 200 || wh[1].toInt() < 200)
    return fail("--size expects WIDTHxHEIGHT, e.g. 1600x1000");
  window.resize(wh[0].toInt(), wh[1].toInt());

  if (parser.isSet(screenshot)) {
    window.setProperty("batchMode", true);  // errors go to stderr, not dialogs
    auto* driver = new ScreenshotDriver(&window, parser.value(screenshot), cursorPos, sinceStart);
    driver->setPreparation(script);
    // Time to the first image: when the scene gets its volume (the views paint it in the same
    // event-loop turn), which for --sample comes before the whole study has been scanned.
    QObject::connect(
        window.scene(), &fw::scene::Scene::layersChanged, driver,
        [&window, &sinceStart] {
          if (!window.scene()->baseVolume()) return;
          std::fprintf(stderr, "fusion-workstation: first image in the views after %lld ms (%s)\n",
                       static_cast<long long>(sinceStart.elapsed()), window.scene()->baseVolume()->name().c_str());
        },
        Qt::SingleShotConnection);
    // DICOM studies: capture once the study browser's thumbnails are in, so the picture is final.
    QObject::connect(&window, &fw::ui::MainWindow::loadFinished, driver, [&window, driver, &sinceStart](bool ok, const QString& error) {
      auto* thumbnails = window.thumbnails();
      if (!ok || !thumbnails->isRunning()) {
        driver->onLoaded(ok, error);
        return;
      }
      std::fprintf(stderr, "fusion-workstation: study browser filled after %lld ms, %d series\n",
                   static_cast<long long>(sinceStart.elapsed()), window.studyModel()->seriesCount());
      QObject::connect(
          thumbnails, &fw::scene::ThumbnailLoader::finished, driver,
          [driver, ok, error, &sinceStart] {
            std::fprintf(stderr, "fusion-workstation: thumbnails done after %lld ms\n",
                         static_cast<long long>(sinceStart.elapsed()));
            driver->onLoaded(ok, error);
          },
          Qt::SingleShotConnection);
    });
  } else if (cursorPos) {
    QObject::connect(&window, &fw::ui::MainWindow::loadFinished, &window, [&window, cursorPos](bool ok) {
      if (ok) window.scene()->setCursor(*cursorPos);
    });
  }
  if (!parser.isSet(screenshot) && registration.any()) {
    QObject::connect(
        &window, &fw::ui::MainWindow::loadFinished, script,
        [script](bool ok) {
          if (!ok) return;
          script->run([](bool done, const QString& error) {
            if (!done) std::fprintf(stderr, "fusion-workstation: %s\n", qPrintable(error));
          });
        },
        Qt::SingleShotConnection);
  }
  window.show();
  if (parser.isSet(sample)) window.openSampleStudy();
  else if (!openPath.isEmpty()) window.openPath(openPath);
  return app.exec();
}
