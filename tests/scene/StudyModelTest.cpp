// scene::StudyModel on hand-made scan results (no files): the patient > study > series tree,
// its texts (names in the data's own script, dates, sizes), the per-series state (thumbnail,
// load warnings, error, current), drags, Qt's own model consistency checks, and which series
// opening a study shows first (scene::preferredSeries).
#include <QtTest>

#include <QAbstractItemModelTester>
#include <QMimeData>
#include <QSignalSpy>

#include "fw/scene/StudyModel.h"
#include "fw/scene/VolumeLoader.h"

using namespace fw;
using scene::StudyModel;

namespace {

dicom::SeriesEntry entry(const std::string& patient, const std::string& id,
                         const std::string& study, int number, const std::string& modality,
                         std::size_t n, std::size_t slices, std::size_t volumes = 1) {
  dicom::SeriesEntry e;
  e.identity.patientName = patient;
  e.identity.patientId = id;
  e.identity.patientBirthDate = "19800214";
  e.identity.studyInstanceUid = study;
  e.identity.studyDate = "20240305";
  e.identity.studyDescription = "Study " + study;
  e.identity.accessionNumber = "A" + study;
  e.identity.seriesNumber = number;
  e.identity.seriesDescription = modality + " " + std::to_string(number);
  e.identity.seriesInstanceUid = study + "." + std::to_string(number);
  e.modalityCode = modality;
  e.modality = core::modalityFromCode(modality);
  e.rows = e.columns = n;
  e.sliceCount = slices;
  e.volumeCount = volumes;
  e.frameCount = slices * volumes;
  e.kind = volumes > 1 ? dicom::SeriesKind::Functional : dicom::SeriesKind::Image;
  e.geometry = core::ImageGeometry({n, n, slices}, {1, 1, 1}, {0, 0, 0}, core::Mat3::identity());
  return e;
}

dicom::ScanResult twoPatients() {
  dicom::ScanResult r;
  r.series.push_back(entry("DOE^JANE", "P1", "1.1", 1, "CT", 512, 120));
  r.series.push_back(entry("DOE^JANE", "P1", "1.1", 2, "MR", 64, 36, 80));
  r.series.push_back(entry("DOE^JANE", "P1", "1.2", 1, "MR", 256, 176));
  r.series.push_back(entry("王^小明", "P2", "2.1", 3, "CT", 512, 300));
  r.series[1].warnings.push_back("1 slice(s) missing");
  r.skipped.push_back({"/x/readme.txt", "not a DICOM file"});
  r.filesExamined = 4;
  return r;
}

}  // namespace

class StudyModelTest : public QObject {
  Q_OBJECT
 private slots:
  void personNames();
  void datesAndSizes();
  void treeShape();
  void modelTesterFindsNothing();
  void perSeriesState();
  void dragData();
  void preferredSeries();
};

void StudyModelTest::personNames() {
  QCOMPARE(StudyModel::personName("王^小明"), QString::fromUtf8("王小明"));
  QCOMPARE(StudyModel::personName("DOE^JOHN"), QString("DOE, JOHN"));
  QCOMPARE(StudyModel::personName("DOE^JOHN^A^DR^JR"), QString("DR DOE, JOHN A JR"));
  QCOMPARE(StudyModel::personName("SMITH"), QString("SMITH"));
  QCOMPARE(StudyModel::personName("^^^^"), QString());
  QCOMPARE(StudyModel::personName(""), QString());
  // Alphabetic, ideographic and phonetic groups (PS3.5 6.2.1.2): all shown.
  QCOMPARE(StudyModel::personName("Yamada^Tarou=山田^太郎=やまだ^たろう"),
           QString::fromUtf8("Yamada, Tarou = 山田太郎 = やまだたろう"));
  QCOMPARE(StudyModel::personName("Hong^Gildong=洪^吉洞=홍^길동"),
           QString::fromUtf8("Hong, Gildong = 洪吉洞 = 홍길동"));
  QCOMPARE(StudyModel::personName("=王^小明"), QString::fromUtf8("王小明"));
}

void StudyModelTest::datesAndSizes() {
  QCOMPARE(StudyModel::date("20240305"), QString("2024-03-05"));
  QCOMPARE(StudyModel::date("2024"), QString("2024"));
  QCOMPARE(StudyModel::date("2024030x"), QString("2024030x"));
  QCOMPARE(StudyModel::sizeText(entry("A", "1", "1", 1, "CT", 512, 120)), QString("512x512x120"));
  QCOMPARE(StudyModel::sizeText(entry("A", "1", "1", 1, "MR", 64, 36, 80)),
           QString("64x64x36 x 80 vol"));
  auto bad = entry("A", "1", "1", 1, "CT", 512, 0);
  bad.kind = dicom::SeriesKind::NotAssembled;
  bad.geometry.reset();
  bad.frameCount = 7;
  QCOMPARE(StudyModel::sizeText(bad), QString("512x512, 7 images"));
}

void StudyModelTest::treeShape() {
  StudyModel m;
  QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
  m.setScan(twoPatients(), "/data/x");
  QCOMPARE(reset.count(), 1);
  QCOMPARE(m.rowCount(), 2);
  const QModelIndex jane = m.index(0, 0);
  const QModelIndex wang = m.index(1, 0);
  QCOMPARE(jane.data().toString(), QString("DOE, JANE"));
  QCOMPARE(wang.data().toString(), QString::fromUtf8("王小明"));
  QCOMPARE(wang.data(StudyModel::RawTextRole).toString(), QString::fromUtf8("王^小明"));
  QCOMPARE(m.index(0, StudyModel::DateColumn).data().toString(), QString("1980-02-14"));
  QCOMPARE(m.index(0, StudyModel::SizeColumn).data().toString(), QString("2 studies"));
  QCOMPARE(m.rowCount(jane), 2);
  QCOMPARE(m.rowCount(wang), 1);
  const QModelIndex study = m.index(0, 0, jane);
  QCOMPARE(study.data().toString(), QString("Study 1.1"));
  QCOMPARE(m.index(0, StudyModel::ModalityColumn, jane).data().toString(), QString("CT, MR"));
  QCOMPARE(m.index(0, StudyModel::IdColumn, jane).data().toString(), QString("A1.1"));
  QCOMPARE(m.rowCount(study), 2);
  const QModelIndex mr = m.index(1, StudyModel::SizeColumn, study);
  QCOMPARE(mr.data().toString(), QString("64x64x36 x 80 vol"));
  QCOMPARE(m.index(1, StudyModel::KindColumn, study).data().toString(), QString("BOLD"));
  QCOMPARE(m.index(1, StudyModel::IdColumn, study).data(StudyModel::SortRole).toInt(), 2);
  QCOMPARE(m.seriesAt(mr), 1);
  QCOMPARE(m.seriesAt(study), -1);
  QCOMPARE(m.parent(mr), study);
  QCOMPARE(m.parent(study), jane);
  QVERIFY(!m.parent(jane).isValid());
  QCOMPARE(m.indexOfSeries(3).parent().parent(), wang);
  QCOMPARE(m.indexOfSeries(1, StudyModel::SizeColumn), mr);
  QCOMPARE(m.rowCount(mr), 0);
  // The warning of series 1 shows in its row and in its study's and patient's tooltips.
  QCOMPARE(mr.data(StudyModel::WarningsRole).toStringList(), QStringList{"1 slice(s) missing"});
  QVERIFY(study.data(Qt::ToolTipRole).toString().contains("1 slice(s) missing"));
  QVERIFY(jane.data(Qt::ToolTipRole).toString().contains("1 slice(s) missing"));
  QVERIFY(!wang.data(Qt::ToolTipRole).toString().contains("missing"));
}

void StudyModelTest::modelTesterFindsNothing() {
  StudyModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
  m.setScan(twoPatients(), "/data/x");
  m.setScan({}, "/data/empty");
  QCOMPARE(m.rowCount(), 0);
  m.setScan(twoPatients(), "/data/x");
  m.setLoadOutcome(0, {"tilt"}, {});
  m.setCurrentSeries(2);
  m.setThumbnail(m.generation(), 0, QByteArray(4, '\x7f'), QSize(2, 2));
}

void StudyModelTest::perSeriesState() {
  StudyModel m;
  m.setScan(twoPatients(), "/data/x");
  const int g = m.generation();
  QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
  // Thumbnails of an older scan, or of the wrong size, are ignored.
  m.setThumbnail(g - 1, 0, QByteArray(4, 'a'), QSize(2, 2));
  m.setThumbnail(g, 0, QByteArray(3, 'a'), QSize(2, 2));
  QCOMPARE(changed.count(), 0);
  QVERIFY(!m.indexOfSeries(0).data(StudyModel::ThumbnailSizeRole).toSize().isValid());
  m.setThumbnail(g, 0, QByteArray(6, 'a'), QSize(3, 2));
  QCOMPARE(changed.count(), 1);
  QCOMPARE(m.indexOfSeries(0).data(StudyModel::ThumbnailSizeRole).toSize(), QSize(3, 2));
  // Load warnings add to the scan's (no duplicates); an error keeps them and is shown.
  m.setLoadOutcome(1, {"1 slice(s) missing", "uneven spacing"}, {});
  QCOMPARE(m.warnings(1), (QStringList{"1 slice(s) missing", "uneven spacing"}));
  m.setLoadOutcome(1, {}, "cannot read /x/IM3.dcm");
  QCOMPARE(m.loadError(1), QString("cannot read /x/IM3.dcm"));
  QCOMPARE(m.warnings(1).size(), 2);
  QVERIFY(m.indexOfSeries(1).data(Qt::ToolTipRole).toString().contains("cannot read /x/IM3.dcm"));
  m.setLoadOutcome(1, {}, {});
  QVERIFY(m.loadError(1).isEmpty());
  // The shown series.
  m.setCurrentSeries(3);
  QVERIFY(m.indexOfSeries(3).data(StudyModel::CurrentRole).toBool());
  m.setCurrentSeries(0);
  QVERIFY(!m.indexOfSeries(3).data(StudyModel::CurrentRole).toBool());
  QCOMPARE(m.currentSeries(), 0);
  // A new scan starts clean.
  m.setScan(twoPatients(), "/data/x");
  QCOMPARE(m.generation(), g + 1);
  QCOMPARE(m.currentSeries(), -1);
  QVERIFY(m.loadError(1).isEmpty());
  QVERIFY(!m.indexOfSeries(0).data(StudyModel::ThumbnailSizeRole).toSize().isValid());
  // Out-of-range series are refused quietly.
  m.setLoadOutcome(99, {"x"}, "y");
  m.setThumbnail(m.generation(), -1, {}, {});
  QVERIFY(m.warnings(99).isEmpty());
}

void StudyModelTest::dragData() {
  StudyModel m;
  m.setScan(twoPatients(), "/data/x");
  QVERIFY(m.flags(m.indexOfSeries(2)) & Qt::ItemIsDragEnabled);
  QVERIFY(!(m.flags(m.index(0, 0)) & Qt::ItemIsDragEnabled));
  std::unique_ptr<QMimeData> mime(m.mimeData({m.indexOfSeries(2, StudyModel::SizeColumn)}));
  QVERIFY(mime);
  QCOMPARE(QString::fromUtf8(mime->data(StudyModel::seriesMimeType())),
           QString("%1 2").arg(m.generation()));
  QVERIFY(!m.mimeData({m.index(0, 0)}));  // patients are not dragged
}

void StudyModelTest::preferredSeries() {
  auto scan = twoPatients();
  QCOMPARE(scene::preferredSeries(scan), 3);  // the largest CT, not the largest series
  scan.series[3].kind = dicom::SeriesKind::Localizer;
  QCOMPARE(scene::preferredSeries(scan), 0);
  scan.series[0].kind = dicom::SeriesKind::NotAssembled;
  scan.series[3].modality = core::Modality::MR;
  // No CT left: the largest volume of any modality (256x256x176 beats 64x64x36).
  QCOMPARE(scene::preferredSeries(scan), 2);
  QCOMPARE(scene::preferredSeries(dicom::ScanResult{}), -1);
}

QTEST_GUILESS_MAIN(StudyModelTest)
#include "StudyModelTest.moc"
