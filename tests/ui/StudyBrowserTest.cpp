// GUI under Xvfb: the study browser. A DICOM folder written here with dicom::writeSeries (and
// edited with DCMTK for gantry tilt, a missing slice and Chinese names in GB18030) is opened
// through the main window: the scan fills the tree (counts, texts, sizes, kinds), thumbnails
// arrive, double-click and drag load series into the views, warnings reach the banner and the
// row, errors name the series and the file, cancel leaves the old content, and Chinese patient
// names read back as the right Unicode text (ISO_IR 192 and GB18030).
#include <QtTest>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <QApplication>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QRegularExpression>
#include <QSemaphore>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QThreadPool>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>
#include <fstream>

#include "TestData.h"
#include "fw/dicom/SeriesWriter.h"
#include "fw/scene/JobRunner.h"
#include "fw/scene/Scene.h"
#include "fw/scene/StudyModel.h"
#include "fw/scene/ThumbnailLoader.h"
#include "fw/ui/MainWindow.h"
#include "fw/ui/NoticeBanner.h"
#include "fw/ui/SliceView.h"
#include "fw/ui/StudyBrowser.h"

using namespace fw;
using namespace fw::core;
using scene::StudyModel;
namespace fs = std::filesystem;

namespace {

// A block of `value` in the middle third of an otherwise `background` volume, so thumbnails
// have something to show.
VolumePtr makeVolume(std::size_t nx, std::size_t ny, std::size_t nz, Modality modality,
                     std::int16_t background, std::int16_t value) {
  const ImageGeometry g({nx, ny, nz}, {2, 2, 3}, {-double(nx), -double(ny), 0}, Mat3::identity());
  auto img = allocateImage<ImageI16>(g);
  auto* p = img->GetBufferPointer();
  for (std::size_t k = 0; k < nz; ++k)
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const bool inside = i >= nx / 3 && i < 2 * nx / 3 && j >= ny / 3 && j < 2 * ny / 3;
        p[i + nx * (j + ny * k)] = inside ? value : background;
      }
  return std::make_shared<Volume>(img, modality, modality == Modality::CT ? "HU" : "");
}

DicomIdentity identity(const std::string& patient, const std::string& id,
                       const std::string& studyUid, const std::string& studyDescription, int number,
                       const std::string& description) {
  DicomIdentity d;
  d.patientName = patient;
  d.patientId = id;
  d.patientBirthDate = "19700102";
  d.patientSex = "M";
  d.studyInstanceUid = studyUid;
  d.studyDate = "20240305";
  d.studyTime = "101500";
  d.studyDescription = studyDescription;
  d.accessionNumber = "ACC" + id;
  d.seriesNumber = number;
  d.seriesDescription = description;
  return d;
}

std::vector<fs::path> write(const std::vector<VolumePtr>& volumes, Modality modality,
                            const DicomIdentity& id, const fs::path& folder) {
  dicom::SeriesWriteOptions o;
  o.modality = modality;
  o.identity = id;
  std::vector<dicom::FrameInfo> frames(volumes.size());
  for (std::size_t v = 0; v < volumes.size(); ++v) frames[v].acquisitionTimeS = 2.0 * double(v);
  if (modality == Modality::MR) {
    o.repetitionTimeMs = 2000;
    o.echoTimeMs = 30;
  }
  return dicom::writeSeries(volumes, frames, o, folder, NullProgress::instance());
}

// Edits DICOM files in place with DCMTK (test data only).
template <class F>
void editFile(const fs::path& file, F&& edit) {
  DcmFileFormat ff;
  QVERIFY2(ff.loadFile(file.c_str()).good(), file.c_str());
  edit(*ff.getDataset());
  QVERIFY2(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good(), file.c_str());
}

// Rows under a parent in the browser's view (through the proxy).
QModelIndex child(const QAbstractItemModel* m, const QModelIndex& parent, int row, int column = 0) {
  return m->index(row, column, parent);
}

}  // namespace

class StudyBrowserTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void scanFillsTree();
  void thumbnailsArrive();
  void skippedFilesAreListed();
  void filterAndSort();
  void doubleClickLoadsSeries();
  void dragSeriesOntoViews();
  void warningsShownInBannerAndRow();
  void errorNamesSeriesAndFile();
  void cancelKeepsOldContent();
  void chineseNames();
  void folderWithoutDicomExplainsWhy();
  void cleanupTestCase();

 private:
  bool openAndWait(const fs::path& path, bool expectOk = true);
  QModelIndex seriesIndexNamed(const QString& description) const;  // in the proxy
  ui::MainWindow* m_window = nullptr;
  fs::path m_root, m_cjk;
  std::vector<fs::path> m_broken;
  const std::string m_studyUid = "1.2.826.0.1.3680043.10.1337.1";
};

void StudyBrowserTest::initTestCase() {
  QStandardPaths::setTestModeEnabled(true);
  const fs::path dir = test::scratchDir("ui_studybrowser");
  m_root = dir / "study";
  m_cjk = dir / "cjk";
  fs::create_directories(m_root);
  fs::create_directories(m_cjk);
  const std::string patient = "DOE^JOHN";
  // 1) the main CT, 40x32x12: the browser's preferred series.
  write({makeVolume(40, 32, 12, Modality::CT, -1000, 60)}, Modality::CT,
        identity(patient, "P1", m_studyUid, "Head", 2, "Head CT"), m_root / "ct");
  // 2) a 4D MR (BOLD-like), 16x16x6 x 3 volumes.
  std::vector<VolumePtr> bold;
  for (int v = 0; v < 3; ++v)
    bold.push_back(makeVolume(16, 16, 6, Modality::MR, 100, std::int16_t(400 + v)));
  write(bold, Modality::MR, identity(patient, "P1", m_studyUid, "Head", 5, "fMRI rest"),
        m_root / "bold");
  // 3) a tilted CT: shift each slice 0.3 mm in x per mm of z (gantry tilt of about 16.7 degrees).
  const auto tilted =
      write({makeVolume(20, 20, 8, Modality::CT, -1000, 300)}, Modality::CT,
            identity(patient, "P1", m_studyUid, "Head", 3, "Tilted CT"), m_root / "tilt");
  for (const auto& f : tilted)
    editFile(f, [](DcmDataset& ds) {
      Float64 x = 0, y = 0, z = 0;
      ds.findAndGetFloat64(DCM_ImagePositionPatient, x, 0);
      ds.findAndGetFloat64(DCM_ImagePositionPatient, y, 1);
      ds.findAndGetFloat64(DCM_ImagePositionPatient, z, 2);
      const QString ipp =
          QString("%1\\%2\\%3").arg(x + 0.3 * z, 0, 'f', 4).arg(y, 0, 'f', 4).arg(z, 0, 'f', 4);
      ds.putAndInsertString(DCM_ImagePositionPatient, ipp.toLatin1().constData());
    });
  // 4) a CT with a missing slice: the importer fills the gap and warns.
  auto gap = write({makeVolume(16, 16, 7, Modality::CT, -1000, 200)}, Modality::CT,
                   identity(patient, "P1", m_studyUid, "Head", 4, "Gap CT"), m_root / "gap");
  fs::remove(gap[3]);
  // 6) a CT whose pixel data is cut short after the scan (see errorNamesSeriesAndFile).
  m_broken = write({makeVolume(16, 16, 5, Modality::CT, -1000, 200)}, Modality::CT,
                   identity(patient, "P1", m_studyUid, "Head", 6, "Broken CT"), m_root / "broken");
  // 5) not DICOM at all: skipped with a reason.
  std::ofstream(m_root / "readme.txt") << "not a DICOM file\n";

  // Chinese names: one series in UTF-8 (ISO_IR 192, as written), one re-encoded to GB18030.
  write({makeVolume(16, 16, 4, Modality::CT, -1000, 50)}, Modality::CT,
        identity("王^小明", "CN-UTF8", "1.2.826.0.1.3680043.10.1337.2", "头部平扫", 1, "头部 CT"),
        m_cjk / "utf8");
  const auto gb = write(
      {makeVolume(16, 16, 4, Modality::CT, -1000, 50)}, Modality::CT,
      identity("PLACEHOLDER", "CN-GB", "1.2.826.0.1.3680043.10.1337.3", "PLACEHOLDER", 1, "CT"),
      m_cjk / "gb18030");
  for (const auto& f : gb)
    editFile(f, [](DcmDataset& ds) {
      ds.putAndInsertString(DCM_SpecificCharacterSet, "GB18030");
      ds.putAndInsertString(DCM_PatientName, "\xcd\xf5^\xd0\xa1\xc3\xf7");  // 王^小明
      ds.putAndInsertString(DCM_StudyDescription, "\xcd\xb7\xb2\xbf\xc6\xbd\xc9\xa8");  // 头部平扫
    });

  m_window = new ui::MainWindow;
  m_window->setProperty("batchMode", true);
  m_window->resize(1600, 1000);
  m_window->show();
  QVERIFY(QTest::qWaitForWindowExposed(m_window));
  QVERIFY(m_window->studyBrowserDock()->isHidden());  // nothing to browse yet
}

bool StudyBrowserTest::openAndWait(const fs::path& path, bool expectOk) {
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  m_window->openPath(QString::fromStdString(path.string()));
  if (!done.wait(60000)) return false;
  return done.first().at(0).toBool() == expectOk;
}

QModelIndex StudyBrowserTest::seriesIndexNamed(const QString& description) const {
  auto* m = m_window->studyModel();
  for (int s = 0; s < m->seriesCount(); ++s)
    if (QString::fromStdString(m->series(s).identity.seriesDescription) == description)
      return m_window->studyBrowser()->viewIndexOfSeries(s);
  return {};
}

void StudyBrowserTest::scanFillsTree() {
  QVERIFY(openAndWait(m_root));
  QVERIFY(m_window->studyBrowserDock()->isVisible());
  const QAbstractItemModel* m = m_window->studyBrowser()->proxy();
  QCOMPARE(m->rowCount(), 1);  // one patient
  const QModelIndex patient = m->index(0, 0);
  QCOMPARE(patient.data().toString(), QString("DOE, JOHN"));
  QCOMPARE(child(m, {}, 0, StudyModel::IdColumn).data().toString(), QString("P1"));
  QCOMPARE(child(m, {}, 0, StudyModel::DateColumn).data().toString(), QString("1970-01-02"));
  QCOMPARE(m->rowCount(patient), 1);  // one study
  const QModelIndex study = child(m, patient, 0);
  QCOMPARE(study.data().toString(), QString("Head"));
  QCOMPARE(child(m, patient, 0, StudyModel::DateColumn).data().toString(), QString("2024-03-05"));
  QCOMPARE(child(m, patient, 0, StudyModel::IdColumn).data().toString(), QString("ACCP1"));
  QCOMPARE(child(m, patient, 0, StudyModel::ModalityColumn).data().toString(), QString("CT, MR"));
  QCOMPARE(m->rowCount(study), 5);  // in series-number order
  const QStringList names = {"Head CT", "Tilted CT", "Gap CT", "fMRI rest", "Broken CT"};
  const QStringList numbers = {"2", "3", "4", "5", "6"};
  // Sizes are the volume's grid: the tilt-corrected grid is wider than the images, and the
  // filled gap counts as a slice.
  const QStringList sizes = {"40x32x12", "\\d+x20x8", "16x16x7", "16x16x6 x 3 vol", "16x16x5"};
  const QStringList kinds = {"image", "image", "image", "BOLD", "image"};
  const QStringList modalities = {"CT", "CT", "CT", "MR", "CT"};
  for (int r = 0; r < 5; ++r) {
    QCOMPARE(child(m, study, r, StudyModel::NameColumn).data().toString(), names[r]);
    QCOMPARE(child(m, study, r, StudyModel::IdColumn).data().toString(), numbers[r]);
    const QString size = child(m, study, r, StudyModel::SizeColumn).data().toString();
    QVERIFY2(QRegularExpression("^" + sizes[r] + "$").match(size).hasMatch(), qPrintable(size));
    QCOMPARE(child(m, study, r, StudyModel::KindColumn).data().toString(), kinds[r]);
    QCOMPARE(child(m, study, r, StudyModel::ModalityColumn).data().toString(), modalities[r]);
  }
  // The preferred series (the largest CT) is in the views and marked in the tree.
  auto v = m_window->scene()->baseVolume();
  QVERIFY(v);
  QCOMPARE(v->modality(), Modality::CT);
  QCOMPARE(v->geometry().size()[0], std::size_t(40));
  QCOMPARE(v->geometry().size()[2], std::size_t(12));
  QCOMPARE(child(m, study, 0).data(StudyModel::CurrentRole).toBool(), true);
  QCOMPARE(child(m, study, 3).data(StudyModel::CurrentRole).toBool(), false);
  // The scan already flagged the gap and the tilt in their rows; the others have no warning.
  const QStringList gapWarnings = child(m, study, 2).data(StudyModel::WarningsRole).toStringList();
  QVERIFY2(gapWarnings.join(' ').contains("missing"), qPrintable(gapWarnings.join('\n')));
  QVERIFY(child(m, study, 2).data(Qt::ToolTipRole).toString().contains("missing"));
  QVERIFY(
      child(m, study, 1).data(StudyModel::WarningsRole).toStringList().join(' ').contains("tilt"));
  QVERIFY(child(m, study, 0).data(StudyModel::WarningsRole).toStringList().isEmpty());
  QVERIFY(child(m, study, 3).data(StudyModel::WarningsRole).toStringList().isEmpty());
}

void StudyBrowserTest::thumbnailsArrive() {
  auto* loader = m_window->thumbnails();
  QTRY_VERIFY_WITH_TIMEOUT(!loader->isRunning(), 30000);
  QCoreApplication::processEvents();
  const QModelIndex ct = seriesIndexNamed("Head CT");
  const QSize size = ct.data(StudyModel::ThumbnailSizeRole).toSize();
  // 40x32 pixels fit in 64: kept at their own size, never enlarged.
  QCOMPARE(size, QSize(40, 32));
  const QByteArray grey = ct.data(StudyModel::ThumbnailRole).toByteArray();
  QCOMPARE(grey.size(), size.width() * size.height());
  // The bright block is in the middle, the background dark.
  const auto at = [&](int x, int y) {
    return static_cast<unsigned char>(grey[y * size.width() + x]);
  };
  QVERIFY2(at(20, 16) > 200 && at(2, 2) < 50,
           qPrintable(QString("%1 %2").arg(at(20, 16)).arg(at(2, 2))));
  // The view shows it as a pixmap; series with warnings get a badge in its corner.
  const QImage plain = ct.data(Qt::DecorationRole).value<QPixmap>().toImage();
  QCOMPARE(plain.size(), QSize(48, 48));
  QVERIFY(!seriesIndexNamed("fMRI rest").data(StudyModel::ThumbnailSizeRole).toSize().isEmpty());
  const QImage badged =
      seriesIndexNamed("Gap CT").data(Qt::DecorationRole).value<QPixmap>().toImage();
  QCOMPARE(badged.size(), QSize(48, 48));
  const QRgb corner = badged.pixel(40, 40);
  QVERIFY2(qRed(corner) != qGreen(corner) || qGreen(corner) != qBlue(corner),
           "no coloured warning badge");
  QCOMPARE(qRed(plain.pixel(40, 40)), qGreen(plain.pixel(40, 40)));
}

void StudyBrowserTest::skippedFilesAreListed() {
  auto* browser = m_window->studyBrowser();
  QCOMPARE(browser->skippedSummary(), QString("1 file skipped"));
  auto* link = browser->findChild<QLabel*>("SkippedLink");
  QVERIFY(link && link->isVisible());
  emit link->linkActivated("skipped");
  auto* list = browser->findChild<QTreeWidget*>("SkippedList");
  QVERIFY(list);
  QVERIFY(list->isVisible());
  QCOMPARE(list->topLevelItemCount(), 1);
  QVERIFY(list->topLevelItem(0)->text(0).endsWith("readme.txt"));
  QVERIFY(!list->topLevelItem(0)->text(1).isEmpty());
  list->window()->close();
}

void StudyBrowserTest::filterAndSort() {
  auto* browser = m_window->studyBrowser();
  const QAbstractItemModel* m = browser->proxy();
  browser->filterEdit()->setText("fmri");  // case-insensitive, matches one series
  const QModelIndex study = child(m, child(m, {}, 0), 0);
  QCOMPARE(m->rowCount(study), 1);
  QCOMPARE(child(m, study, 0).data().toString(), QString("fMRI rest"));
  browser->filterEdit()->setText("doe");  // a patient matches: all its series stay
  QCOMPARE(m->rowCount(child(m, child(m, {}, 0), 0)), 5);
  browser->filterEdit()->setText("no such thing");
  QCOMPARE(m->rowCount(), 0);
  browser->filterEdit()->clear();
  // Sorting by series number, descending, then by size (voxels), ascending.
  browser->view()->sortByColumn(StudyModel::IdColumn, Qt::DescendingOrder);
  const QModelIndex s2 = child(m, child(m, {}, 0), 0);
  QCOMPARE(child(m, s2, 0, StudyModel::IdColumn).data().toString(), QString("6"));
  QCOMPARE(child(m, s2, 4, StudyModel::IdColumn).data().toString(), QString("2"));
  browser->view()->sortByColumn(StudyModel::SizeColumn, Qt::AscendingOrder);
  QCOMPARE(child(m, s2, 0, StudyModel::NameColumn).data().toString(),
           QString("Broken CT"));  // 1280 voxels
  QCOMPARE(child(m, s2, 4, StudyModel::NameColumn).data().toString(),
           QString("Head CT"));  // 15360 voxels
  browser->view()->sortByColumn(StudyModel::IdColumn, Qt::AscendingOrder);
  QCOMPARE(child(m, s2, 0, StudyModel::NameColumn).data().toString(), QString("Head CT"));
}

void StudyBrowserTest::doubleClickLoadsSeries() {
  auto* view = m_window->studyBrowser()->view();
  const QModelIndex bold = seriesIndexNamed("fMRI rest");
  QVERIFY(bold.isValid());
  view->scrollTo(bold);
  const QRect r = view->visualRect(bold);
  QVERIFY(!r.isEmpty());
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  QSignalSpy layers(m_window->scene(), &scene::Scene::layersChanged);
  QSignalSpy activated(view, &QAbstractItemView::activated);
  QSignalSpy doubleClicked(view, &QAbstractItemView::doubleClicked);
  // A real double-click: press, release, then the double-click event (QTest sends only that).
  QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, r.center());
  QTest::mouseDClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, r.center());
  QVERIFY2(activated.count() == 1, qPrintable(QString("activated %1, double-clicked %2, running %3")
                                                  .arg(activated.count())
                                                  .arg(doubleClicked.count())
                                                  .arg(m_window->jobs()->isRunning())));
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), true);
  QCOMPARE(layers.count(), 1);
  auto v = m_window->scene()->baseVolume();
  QCOMPARE(v->modality(), Modality::MR);
  QCOMPARE(v->geometry().size()[2], std::size_t(6));
  // 4D: the first volume (value 400 in the block), and the status bar says which and what kind.
  QCOMPARE(*v->valueAtWorld(v->geometry().indexToWorld({8, 8, 2})), 400.0);
  const auto labels = m_window->statusBar()->findChildren<QLabel*>();
  bool found = false;
  for (auto* l : labels) found = found || l->text().contains("BOLD, volume 1 of 3");
  QVERIFY(found);
  QVERIFY(seriesIndexNamed("fMRI rest").data(StudyModel::CurrentRole).toBool());
  QVERIFY(!seriesIndexNamed("Head CT").data(StudyModel::CurrentRole).toBool());
  QVERIFY(m_window->noticeBanner()->isHidden());  // no warnings for this one
}

void StudyBrowserTest::dragSeriesOntoViews() {
  const QModelIndex ct = seriesIndexNamed("Head CT");
  std::unique_ptr<QMimeData> mime(m_window->studyBrowser()->proxy()->mimeData({ct}));
  QVERIFY(mime);
  QVERIFY(mime->hasFormat(StudyModel::seriesMimeType()));
  // Dropped on the axial view (drops on views reach the window, which accepts them there).
  auto* axial = m_window->sliceView(0);
  const QPointF at = axial->mapTo(m_window, QPoint(axial->width() / 2, axial->height() / 2));
  QDragEnterEvent enter(at.toPoint(), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(m_window, &enter);
  QVERIFY(enter.isAccepted());
  QDragMoveEvent move(at.toPoint(), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(m_window, &move);
  QVERIFY(move.isAccepted());
  // Over the browser itself a series is not accepted (only the views take it).
  auto* tree = m_window->studyBrowser()->view();
  const QPointF overTree = tree->mapTo(m_window, QPoint(10, 10));
  QDragMoveEvent moveTree(overTree.toPoint(), Qt::CopyAction, mime.get(), Qt::LeftButton,
                          Qt::NoModifier);
  QApplication::sendEvent(m_window, &moveTree);
  QVERIFY(!moveTree.isAccepted());
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  QDropEvent drop(at, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
  QApplication::sendEvent(m_window, &drop);
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), true);
  QCOMPARE(m_window->scene()->baseVolume()->modality(), Modality::CT);
  QCOMPARE(m_window->scene()->baseVolume()->geometry().size()[0], std::size_t(40));
}

void StudyBrowserTest::warningsShownInBannerAndRow() {
  const QModelIndex tilt = seriesIndexNamed("Tilted CT");
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  emit m_window->studyBrowser()->view()->activated(tilt);  // Enter or double-click
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), true);
  auto* banner = m_window->noticeBanner();
  QVERIFY(banner->isVisible());
  QCOMPARE(banner->level(), ui::NoticeBanner::Level::Warning);
  QVERIFY2(banner->text().contains("Tilted CT") && banner->text().contains("gantry tilt"),
           qPrintable(banner->text()));
  // Kept in the row: warnings role, tooltip, and a badge on the thumbnail.
  const QModelIndex row = seriesIndexNamed("Tilted CT");
  QVERIFY(row.data(StudyModel::WarningsRole).toStringList().join(' ').contains("gantry tilt"));
  QVERIFY(row.data(Qt::ToolTipRole).toString().contains("gantry tilt"));
  // The study row summarises the warnings below it.
  QVERIFY(row.parent().data(Qt::ToolTipRole).toString().contains("gantry tilt"));
  // Dismissable, and not modal: the window keeps working.
  banner->findChild<QToolButton*>("NoticeClose")->click();
  QVERIFY(banner->isHidden());
  QVERIFY(QApplication::activeModalWidget() == nullptr);
}

void StudyBrowserTest::errorNamesSeriesAndFile() {
  const auto before = m_window->scene()->baseVolume();
  // Cut the third file's pixel data short after the scan, as a failing disk or copy would.
  const fs::path victim = m_broken[2];
  fs::resize_file(victim, fs::file_size(victim) - 300);
  const QModelIndex broken = seriesIndexNamed("Broken CT");
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  emit m_window->studyBrowser()->view()->activated(broken);
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), false);
  const QString error = done.first().at(1).toString();
  QVERIFY2(error.contains("Broken CT") &&
               error.contains(QString::fromStdString(victim.filename().string())),
           qPrintable(error));
  auto* banner = m_window->noticeBanner();
  QVERIFY(banner->isVisible());
  QCOMPARE(banner->level(), ui::NoticeBanner::Level::Error);
  QVERIFY(banner->text().contains("Broken CT"));
  QCOMPARE(seriesIndexNamed("Broken CT").data(StudyModel::ErrorRole).toString(), error);
  QVERIFY(seriesIndexNamed("Broken CT")
              .data(Qt::ToolTipRole)
              .toString()
              .contains(victim.filename().string().c_str()));
  QCOMPARE(m_window->scene()->baseVolume(), before);  // the views keep what they showed
}

void StudyBrowserTest::cancelKeepsOldContent() {
  auto* model = m_window->studyModel();
  const int generation = model->generation();
  const QString source = model->source();
  const auto before = m_window->scene()->baseVolume();
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  // Hold every thread of Qt's global pool, so the job waits in the queue until the user's
  // cancel is in: a small study is otherwise scanned and loaded before a cancel can arrive.
  QThreadPool* pool = QThreadPool::globalInstance();
  const int threads = pool->maxThreadCount();
  QSemaphore busy, gate;
  for (int i = 0; i < threads; ++i)
    pool->start([&busy, &gate] {
      busy.release();
      gate.acquire();
    });
  busy.acquire(threads);
  m_window->openPath(QString::fromStdString(m_cjk.string()));
  QVERIFY(m_window->jobs()->isRunning());
  m_window->jobs()->cancel();
  gate.release(threads);
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), false);
  QCOMPARE(done.first().at(1).toString(), QString("cancelled"));
  QCOMPARE(model->generation(), generation);
  QCOMPARE(model->source(), source);
  QCOMPARE(model->seriesCount(), 5);
  QCOMPARE(m_window->studyBrowser()->proxy()->rowCount(), 1);
  QCOMPARE(m_window->scene()->baseVolume(), before);
}

void StudyBrowserTest::chineseNames() {
  QVERIFY(openAndWait(m_cjk));
  auto* model = m_window->studyModel();
  QCOMPARE(model->seriesCount(), 2);
  QCOMPARE(model->rowCount(), 2);  // two patients (IDs differ), same name in two encodings
  const QString name = QString::fromUtf8("王^小明");
  for (int p = 0; p < 2; ++p) {
    const QModelIndex patient = model->index(p, StudyModel::NameColumn);
    const QString id = model->index(p, StudyModel::IdColumn).data().toString();
    QVERIFY(id == "CN-UTF8" || id == "CN-GB");
    QCOMPARE(patient.data(StudyModel::RawTextRole).toString(), name);
    QCOMPARE(patient.data().toString(), QString::fromUtf8("王小明"));
    QCOMPARE(model->index(0, StudyModel::NameColumn, patient).data().toString(),
             QString::fromUtf8("头部平扫"));
  }
  // Look at it: the browser with CJK glyphs (fonts-noto-cjk) in the build tree.
  QTest::qWait(300);
  const QString dir = QString::fromStdString(test::scratchDir("ui_studybrowser_shots").string());
  QVERIFY(m_window->grab().save(dir + "/chinese-names.png"));
  QVERIFY(m_window->studyBrowser()->grab().save(dir + "/chinese-names-browser.png"));
}

void StudyBrowserTest::folderWithoutDicomExplainsWhy() {
  const fs::path dir = test::scratchDir("ui_studybrowser_nodicom");
  std::ofstream(dir / "notes.txt") << "nothing to see\n";
  const auto before = m_window->scene()->baseVolume();
  QSignalSpy done(m_window, &ui::MainWindow::loadFinished);
  m_window->openPath(QString::fromStdString(dir.string()));
  QVERIFY(done.wait(30000));
  QCOMPARE(done.first().at(0).toBool(), false);
  const QString error = done.first().at(1).toString();
  QVERIFY2(error.contains("no DICOM image series") && error.contains("notes.txt"),
           qPrintable(error));
  // The banner says so, the browser shows what was skipped and why, the views keep their volume.
  QCOMPARE(m_window->noticeBanner()->level(), ui::NoticeBanner::Level::Error);
  QVERIFY(m_window->noticeBanner()->text().contains("no DICOM image series"));
  QCOMPARE(m_window->studyModel()->seriesCount(), 0);
  QCOMPARE(m_window->studyBrowser()->skippedSummary(), QString("1 file skipped"));
  QCOMPARE(m_window->scene()->baseVolume(), before);
  QVERIFY(QApplication::activeModalWidget() == nullptr);
}

void StudyBrowserTest::cleanupTestCase() {
  delete m_window;
}

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  StudyBrowserTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "StudyBrowserTest.moc"
