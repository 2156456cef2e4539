#pragma once
// The study browser panel: the scanned DICOM series as a sortable, filterable tree patient >
// study > series with thumbnails (filled in as the background ThumbnailLoader makes them),
// a warning badge and tooltip on series the user must know about, and a link to the files the
// scan skipped and why. Double-click (or Enter) asks to show a series; series rows can be
// dragged onto the views.
#include <QSortFilterProxyModel>
#include <QWidget>

class QLabel;
class QLineEdit;
class QTreeView;
class QDialog;

namespace fw::scene {
class StudyModel;
}

namespace fw::ui {

// Sorting and filtering over scene::StudyModel, plus what Qt Core cannot give: thumbnails as
// pixmaps (with a warning or error badge), and the shown series in bold.
class StudyBrowserProxy : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit StudyBrowserProxy(QObject* parent = nullptr);
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  // Column titles here, where lupdate finds them (scene's texts are not translated).
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;
};

class StudyBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit StudyBrowser(scene::StudyModel* model, QWidget* parent = nullptr);

  scene::StudyModel* model() const { return m_model; }
  QSortFilterProxyModel* proxy() const { return m_proxy; }
  QTreeView* view() const { return m_view; }
  QLineEdit* filterEdit() const { return m_filter; }
  // "12 files skipped, 2 notes" (plain text), empty when the scan skipped nothing.
  QString skippedSummary() const;
  // The source index of a series' row as seen in the view (through the proxy).
  QModelIndex viewIndexOfSeries(int series, int column = 0) const;
  // Selects and scrolls to a series (the one shown in the views).
  void selectSeries(int series);

 public slots:
  // A non-modal list of the skipped files with reasons, and the scan's notes.
  void showSkippedFiles();

 signals:
  void seriesActivated(int series);

 private:
  void refresh();
  scene::StudyModel* m_model;
  StudyBrowserProxy* m_proxy;
  QTreeView* m_view;
  QLineEdit* m_filter;
  QLabel* m_summary;
  QLabel* m_skipped;
  QDialog* m_skippedDialog = nullptr;
  bool m_columnsSized = false;
};

}  // namespace fw::ui
