#include "fw/ui/StudyBrowser.h"

#include <QApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFont>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPixmap>
#include <QPixmapCache>
#include <QStyle>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "fw/scene/StudyModel.h"

namespace fw::ui {

using scene::StudyModel;

namespace {
constexpr int kIconSize = 48;
}

StudyBrowserProxy::StudyBrowserProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(StudyModel::SortRole);
  setFilterCaseSensitivity(Qt::CaseInsensitive);
  setFilterKeyColumn(-1);              // any column
  setRecursiveFilteringEnabled(true);  // a matching series keeps its study and patient
  setAutoAcceptChildRows(true);        // a matching patient or study keeps its series
  setSortLocaleAware(true);
}

QVariant StudyBrowserProxy::data(const QModelIndex& index, int role) const {
  if (role != Qt::DecorationRole && role != Qt::FontRole && role != Qt::ForegroundRole)
    return QSortFilterProxyModel::data(index, role);
  const QModelIndex source = mapToSource(index);
  auto* model = qobject_cast<StudyModel*>(sourceModel());
  if (!model) return {};
  const int series = model->seriesAt(source);
  if (series < 0) return {};
  if (role == Qt::FontRole) {
    if (!source.data(StudyModel::CurrentRole).toBool()) return {};
    QFont f;
    f.setBold(true);
    return f;
  }
  if (role == Qt::ForegroundRole) {
    if (model->loadError(series).isEmpty()) return {};
    return QColor(170, 20, 30);
  }
  if (index.column() != StudyModel::NameColumn) return {};
  // The thumbnail on a fixed square (rows stay aligned while thumbnails arrive), with a badge
  // when the series has warnings (amber) or failed to load (red).
  const QSize size = source.data(StudyModel::ThumbnailSizeRole).toSize();
  const bool warn = !model->warnings(series).isEmpty();
  const bool error = !model->loadError(series).isEmpty();
  const QString key = QStringLiteral("fw-thumb-%1-%2-%3-%4-%5")
                          .arg(model->generation())
                          .arg(series)
                          .arg(size.width())
                          .arg(warn)
                          .arg(error);
  QPixmap pixmap;
  if (QPixmapCache::find(key, &pixmap)) return pixmap;
  pixmap = QPixmap(kIconSize, kIconSize);
  pixmap.fill(QColor(24, 24, 28));
  QPainter painter(&pixmap);
  if (size.isValid() && !size.isEmpty()) {
    const QByteArray grey = source.data(StudyModel::ThumbnailRole).toByteArray();
    const QImage image(reinterpret_cast<const uchar*>(grey.constData()), size.width(),
                       size.height(), size.width(), QImage::Format_Grayscale8);
    // Fit the square both ways: small series (64x64 DWI) are enlarged too, so all read alike.
    const QImage scaled =
        image.scaled(kIconSize, kIconSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    painter.drawImage((kIconSize - scaled.width()) / 2, (kIconSize - scaled.height()) / 2, scaled);
  }
  if (warn || error) {
    const auto icon = QApplication::style()->standardIcon(error ? QStyle::SP_MessageBoxCritical
                                                                : QStyle::SP_MessageBoxWarning);
    painter.drawPixmap(kIconSize - 18, kIconSize - 18, icon.pixmap(18, 18));
  }
  painter.end();
  QPixmapCache::insert(key, pixmap);
  return pixmap;
}

QVariant StudyBrowserProxy::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
    return QSortFilterProxyModel::headerData(section, orientation, role);
  switch (section) {
    case StudyModel::NameColumn:
      return tr("Patient / Study / Series");
    case StudyModel::IdColumn:
      return tr("ID / No.");
    case StudyModel::DateColumn:
      return tr("Date");
    case StudyModel::ModalityColumn:
      return tr("Modality");
    case StudyModel::KindColumn:
      return tr("Kind");
    case StudyModel::SizeColumn:
      return tr("Size");
    default:
      return {};
  }
}

StudyBrowser::StudyBrowser(StudyModel* model, QWidget* parent)
    : QWidget(parent), m_model(model), m_proxy(new StudyBrowserProxy(this)) {
  setObjectName("StudyBrowser");
  m_proxy->setSourceModel(model);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  m_filter = new QLineEdit(this);
  m_filter->setObjectName("StudyFilter");
  m_filter->setPlaceholderText(tr("Filter: name, ID, date, description, modality…"));
  m_filter->setClearButtonEnabled(true);
  connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
    m_proxy->setFilterFixedString(text);
    m_view->expandAll();
  });
  m_view = new QTreeView(this);
  m_view->setObjectName("StudyTree");
  m_view->setModel(m_proxy);
  m_view->setIconSize(QSize(kIconSize, kIconSize));
  m_view->setIndentation(14);
  m_view->setUniformRowHeights(false);
  m_view->setAlternatingRowColors(true);
  m_view->setSelectionMode(QAbstractItemView::SingleSelection);
  m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_view->setDragDropMode(QAbstractItemView::DragOnly);
  m_view->setExpandsOnDoubleClick(true);
  // Scan order (patient, study date, series number) until the user clicks a header.
  m_view->header()->setSortIndicator(-1, Qt::AscendingOrder);
  m_view->setSortingEnabled(true);
  m_view->header()->setStretchLastSection(false);
  m_view->header()->setSectionResizeMode(QHeaderView::Interactive);
  // What a reader scans first: name, number, modality, kind and size; dates last.
  m_view->header()->moveSection(StudyModel::DateColumn, StudyModel::ColumnCount - 1);
  connect(m_view, &QTreeView::activated, this, [this](const QModelIndex& index) {
    const int series = m_model->seriesAt(m_proxy->mapToSource(index));
    if (series >= 0) emit seriesActivated(series);
  });
  m_summary = new QLabel(this);
  m_summary->setObjectName("StudySummary");
  m_summary->setWordWrap(true);
  m_skipped = new QLabel(this);
  m_skipped->setObjectName("SkippedLink");
  m_skipped->setTextFormat(Qt::RichText);
  connect(m_skipped, &QLabel::linkActivated, this, &StudyBrowser::showSkippedFiles);
  layout->addWidget(m_filter);
  layout->addWidget(m_view, 1);
  layout->addWidget(m_summary);
  layout->addWidget(m_skipped);
  connect(m_model, &QAbstractItemModel::modelReset, this, &StudyBrowser::refresh);
  refresh();
}

void StudyBrowser::refresh() {
  m_view->expandAll();
  if (!m_columnsSized) {  // once: later scans keep the widths the user chose
    // Name holds two indentation steps, the 48-pixel thumbnail and about 24 characters.
    const int widths[] = {240, 64, 82, 56, 50, 118};
    for (int c = 0; c < StudyModel::ColumnCount; ++c) m_view->setColumnWidth(c, widths[c]);
    m_columnsSized = true;
  }
  const auto& scan = m_model->scanResult();
  int studies = 0;
  for (int p = 0; p < m_model->rowCount(); ++p) studies += m_model->rowCount(m_model->index(p, 0));
  if (m_model->source().isEmpty()) {
    m_summary->setText(tr("Open a DICOM folder or DICOMDIR, or drop a folder here."));
  } else {
    const QString name = QFileInfo(m_model->source()).fileName();
    const QString patients =
        m_model->rowCount() == 1 ? tr("1 patient") : tr("%1 patients").arg(m_model->rowCount());
    const QString studyText = studies == 1 ? tr("1 study") : tr("%1 studies").arg(studies);
    m_summary->setText(tr("%1: %2, %3, %4 series in %5 files")
                           .arg(name.isEmpty() ? m_model->source() : name, patients, studyText)
                           .arg(m_model->seriesCount())
                           .arg(scan.filesExamined));
    m_summary->setToolTip(m_model->source());
  }
  const QString summary = skippedSummary();
  m_skipped->setText(summary.isEmpty() ? QString()
                                       : "<a href=\"skipped\">" + summary.toHtmlEscaped() + "</a>");
  m_skipped->setVisible(!summary.isEmpty());
  if (m_skippedDialog && m_skippedDialog->isVisible()) showSkippedFiles();
}

QString StudyBrowser::skippedSummary() const {
  const auto& scan = m_model->scanResult();
  QStringList parts;
  if (!scan.skipped.empty())
    parts << (scan.skipped.size() == 1 ? tr("1 file skipped")
                                       : tr("%1 files skipped").arg(scan.skipped.size()));
  if (!scan.notes.empty())
    parts << (scan.notes.size() == 1 ? tr("1 note") : tr("%1 notes").arg(scan.notes.size()));
  return parts.join(", ");
}

QModelIndex StudyBrowser::viewIndexOfSeries(int series, int column) const {
  return m_proxy->mapFromSource(m_model->indexOfSeries(series, column));
}

void StudyBrowser::selectSeries(int series) {
  const QModelIndex i = viewIndexOfSeries(series);
  if (!i.isValid()) return;
  m_view->setCurrentIndex(i);
  m_view->scrollTo(i);
}

void StudyBrowser::showSkippedFiles() {
  if (!m_skippedDialog) {
    m_skippedDialog = new QDialog(this);
    m_skippedDialog->setObjectName("SkippedDialog");
    m_skippedDialog->setWindowTitle(tr("Files the scan skipped"));
    m_skippedDialog->setModal(false);
    m_skippedDialog->resize(760, 420);
    auto* layout = new QVBoxLayout(m_skippedDialog);
    auto* list = new QTreeWidget(m_skippedDialog);
    list->setObjectName("SkippedList");
    list->setColumnCount(2);
    list->setHeaderLabels({tr("File"), tr("Reason")});
    list->setRootIsDecorated(false);
    list->setColumnWidth(0, 380);
    layout->addWidget(list);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, m_skippedDialog);
    connect(buttons, &QDialogButtonBox::rejected, m_skippedDialog, &QDialog::close);
    layout->addWidget(buttons);
  }
  auto* list = m_skippedDialog->findChild<QTreeWidget*>("SkippedList");
  list->clear();
  const auto& scan = m_model->scanResult();
  for (const auto& s : scan.skipped)
    list->addTopLevelItem(new QTreeWidgetItem(
        {QString::fromStdString(s.file.string()), QString::fromStdString(s.reason)}));
  for (const auto& n : scan.notes)
    list->addTopLevelItem(new QTreeWidgetItem({tr("(note)"), QString::fromStdString(n)}));
  m_skippedDialog->show();
  m_skippedDialog->raise();
}

}  // namespace fw::ui
