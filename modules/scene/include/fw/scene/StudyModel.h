#pragma once
// The study browser's data: the series found by a DICOM scan as a tree patient > study >
// series, for any Qt item view (Qt Core only; the ui layer turns thumbnails into pixmaps and
// warnings into icons). Each series row also keeps what the user must see about it: the scan's
// warnings, the warnings or error of its last load, its thumbnail, whether it is shown now.
// Texts are the data's own (UTF-8 from the Specific Character Set), never transliterated.
#include <QAbstractItemModel>
#include <QByteArray>
#include <QSize>
#include <QString>
#include <QStringList>
#include <vector>

#include "fw/dicom/Scan.h"

namespace fw::scene {

class StudyModel : public QAbstractItemModel {
  Q_OBJECT
 public:
  // Patient rows: name, ID, birth date. Study rows: description, accession, date, modalities.
  // Series rows: description, number, series time, modality, kind, size.
  enum Column {
    NameColumn,
    IdColumn,
    DateColumn,
    ModalityColumn,
    KindColumn,
    SizeColumn,
    ColumnCount
  };
  enum NodeType { PatientNode, StudyNode, SeriesNode };
  enum Role {
    NodeTypeRole = Qt::UserRole + 1,  // NodeType
    SeriesIndexRole,                  // int: index into scanResult().series; -1 above series
    SortRole,           // what sorting compares (numbers as numbers, dates as YYYYMMDD)
    RawTextRole,        // the DICOM value as read (PN with '^', dates YYYYMMDD)
    WarningsRole,       // QStringList: scan and load warnings of the series
    ErrorRole,          // QString: why the last load failed, empty otherwise
    ThumbnailRole,      // QByteArray: width*height grey bytes, row 0 at the top
    ThumbnailSizeRole,  // QSize of the thumbnail (invalid until made)
    CurrentRole         // bool: the series shown in the views now
  };
  // MIME type of a dragged series: "<generation> <series index>" in UTF-8.
  static const char* seriesMimeType();

  explicit StudyModel(QObject* parent = nullptr);
  ~StudyModel() override;

  // Replaces the content with a new scan of `source` (a folder, DICOMDIR or file).
  void setScan(dicom::ScanResult result, const QString& source);
  const dicom::ScanResult& scanResult() const { return m_scan; }
  const QString& source() const { return m_source; }
  // Bumped by every setScan(); thumbnails and drags made for an older scan are ignored.
  int generation() const { return m_generation; }

  int seriesCount() const { return static_cast<int>(m_scan.series.size()); }
  const dicom::SeriesEntry& series(int index) const {
    return m_scan.series.at(static_cast<std::size_t>(index));
  }
  QModelIndex indexOfSeries(int series, int column = NameColumn) const;
  // The series index of a series row (any column), -1 for other rows.
  int seriesAt(const QModelIndex& index) const;
  // Scan warnings followed by those of the last load (no duplicates).
  QStringList warnings(int series) const;
  QString loadError(int series) const;

  void setThumbnail(int generation, int series, const QByteArray& grey, const QSize& size);
  // The outcome of loading a series: its warnings, or the error (warnings then stay as they were).
  void setLoadOutcome(int series, const QStringList& warnings, const QString& error);
  // Marks the series shown in the views (-1: none of this scan).
  void setCurrentSeries(int series);
  int currentSeries() const { return m_current; }

  // Display helpers, public for tests and other panels.
  static QString personName(
      const std::string& dicomPn);  // "王^小明" -> "王小明", "DOE^JOHN" -> "DOE, JOHN"
  static QString date(const std::string& da);            // "20240305" -> "2024-03-05"
  static QString sizeText(const dicom::SeriesEntry& e);  // "512x512x120", "64x64x36 x 80 vol"
  static QString kindText(const dicom::SeriesEntry& e);  // "DWI", "image, colour" (translated)

  // QAbstractItemModel
  QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
  QModelIndex parent(const QModelIndex& child) const override;
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QStringList mimeTypes() const override;
  QMimeData* mimeData(const QModelIndexList& indexes) const override;

 private:
  struct Node {
    NodeType type = PatientNode;
    int parent = -1;            // node index, -1 for patients
    int row = 0;                // row under its parent
    std::vector<int> children;  // node indices
    int series = -1;            // first series of the group, or the series itself
  };
  struct SeriesState {
    QByteArray thumbnail;
    QSize thumbnailSize;
    QStringList loadWarnings;
    QString loadError;
  };
  const Node* nodeOf(const QModelIndex& index) const;
  QVariant display(const Node& node, int column) const;
  QVariant sortValue(const Node& node, int column) const;
  QString tooltip(const Node& node) const;
  QStringList subtreeWarnings(const Node& node) const;

  dicom::ScanResult m_scan;
  QString m_source;
  int m_generation = 0;
  int m_current = -1;
  std::vector<Node> m_nodes;
  std::vector<int> m_patients;    // node indices of the top level
  std::vector<int> m_seriesNode;  // series index -> node index
  std::vector<SeriesState> m_state;
};

}  // namespace fw::scene
