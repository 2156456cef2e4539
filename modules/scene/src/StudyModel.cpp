#include "fw/scene/StudyModel.h"

#include <QMimeData>
#include <map>
#include <set>
#include <utility>

#include "fw/dicom/SeriesReader.h"
#include "fw/scene/VolumeLoader.h"

namespace fw::scene {

namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

bool isIdeographic(const QString& text) {
  for (const QChar c : text) {
    switch (c.script()) {
      case QChar::Script_Han:
      case QChar::Script_Hiragana:
      case QChar::Script_Katakana:
      case QChar::Script_Hangul:
      case QChar::Script_Bopomofo:
        return true;
      default:
        break;
    }
  }
  return false;
}

// One component group of a PN ("family^given^middle^prefix^suffix").
QString formatGroup(const QString& group) {
  QStringList parts = group.split('^');
  for (auto& p : parts) p = p.trimmed();
  while (parts.size() < 5) parts.append(QString());
  const QString& family = parts[0];
  QStringList rest;
  for (int i : {1, 2})
    if (!parts[i].isEmpty()) rest.append(parts[i]);
  QString out;
  if (isIdeographic(group)) {
    // Chinese, Japanese and Korean names are written family name first, without separators.
    out = family + rest.join(QString());
  } else {
    out = family;
    if (!rest.isEmpty()) out += (out.isEmpty() ? QString() : QStringLiteral(", ")) + rest.join(' ');
  }
  if (!parts[3].isEmpty()) out = parts[3] + ' ' + out;
  if (!parts[4].isEmpty()) out += ' ' + parts[4];
  return out.trimmed();
}

}  // namespace

const char* StudyModel::seriesMimeType() {
  return "application/x-fusion-workstation-series";
}

StudyModel::StudyModel(QObject* parent) : QAbstractItemModel(parent) {}
StudyModel::~StudyModel() = default;

QString StudyModel::personName(const std::string& dicomPn) {
  // Groups: alphabetic = ideographic = phonetic (PS3.5 6.2.1); show every non-empty one.
  QStringList shown;
  for (const QString& g : qs(dicomPn).split('=')) {
    const QString f = formatGroup(g);
    if (!f.isEmpty()) shown.append(f);
  }
  return shown.join(QStringLiteral(" = "));
}

QString StudyModel::date(const std::string& da) {
  const QString d = qs(da).trimmed();
  if (d.size() == 8) {
    bool ok = false;
    d.toInt(&ok);
    if (ok) return d.left(4) + '-' + d.mid(4, 2) + '-' + d.mid(6, 2);
  }
  return d;
}

QString StudyModel::kindText(const dicom::SeriesEntry& e) {
  const QString kind = seriesKindText(e.kind);
  return e.colour == dicom::ColourModel::Rgb ? tr("%1, colour").arg(kind) : kind;
}

QString StudyModel::sizeText(const dicom::SeriesEntry& e) {
  if (e.kind == dicom::SeriesKind::NotAssembled || e.sliceCount == 0)
    return tr("%1x%2, %3 images").arg(e.columns).arg(e.rows).arg(e.frameCount);
  QString s = QStringLiteral("%1x%2x%3").arg(e.columns).arg(e.rows).arg(e.sliceCount);
  if (e.geometry) {
    const auto& size = e.geometry->size();
    s = QStringLiteral("%1x%2x%3").arg(size[0]).arg(size[1]).arg(size[2]);
  }
  if (e.volumeCount > 1) s += tr(" x %1 vol").arg(e.volumeCount);
  return s;
}

void StudyModel::setScan(dicom::ScanResult result, const QString& source) {
  beginResetModel();
  m_scan = std::move(result);
  m_source = source;
  ++m_generation;
  m_current = -1;
  m_nodes.clear();
  m_patients.clear();
  m_seriesNode.assign(m_scan.series.size(), -1);
  m_state.assign(m_scan.series.size(), SeriesState{});
  std::map<std::pair<std::string, std::string>, int> patients;  // (name, ID) -> node
  std::map<std::pair<int, std::string>, int> studies;           // (patient node, study UID) -> node
  for (std::size_t i = 0; i < m_scan.series.size(); ++i) {
    const auto& id = m_scan.series[i].identity;
    const int seriesIndex = static_cast<int>(i);
    auto [pit, newPatient] = patients.emplace(std::make_pair(id.patientName, id.patientId), -1);
    if (newPatient) {
      pit->second = static_cast<int>(m_nodes.size());
      m_nodes.push_back({PatientNode, -1, static_cast<int>(m_patients.size()), {}, seriesIndex});
      m_patients.push_back(pit->second);
    }
    const int patient = pit->second;
    // Without a Study Instance UID, series of one date and description form a study.
    const std::string studyKey = id.studyInstanceUid.empty()
                                     ? "\x01" + id.studyDate + "\x01" + id.studyDescription
                                     : id.studyInstanceUid;
    auto [sit, newStudy] = studies.emplace(std::make_pair(patient, studyKey), -1);
    if (newStudy) {
      sit->second = static_cast<int>(m_nodes.size());
      const int row = static_cast<int>(m_nodes[static_cast<std::size_t>(patient)].children.size());
      m_nodes.push_back({StudyNode, patient, row, {}, seriesIndex});
      m_nodes[static_cast<std::size_t>(patient)].children.push_back(sit->second);
    }
    const int study = sit->second;
    const int node = static_cast<int>(m_nodes.size());
    const int row = static_cast<int>(m_nodes[static_cast<std::size_t>(study)].children.size());
    m_nodes.push_back({SeriesNode, study, row, {}, seriesIndex});
    m_nodes[static_cast<std::size_t>(study)].children.push_back(node);
    m_seriesNode[i] = node;
  }
  endResetModel();
}

const StudyModel::Node* StudyModel::nodeOf(const QModelIndex& index) const {
  if (!index.isValid() || index.model() != this) return nullptr;
  const auto id = static_cast<std::size_t>(index.internalId());
  return id < m_nodes.size() ? &m_nodes[id] : nullptr;
}

QModelIndex StudyModel::index(int row, int column, const QModelIndex& parent) const {
  if (row < 0 || column < 0 || column >= ColumnCount) return {};
  const std::vector<int>* children = &m_patients;
  if (parent.isValid()) {
    const Node* p = nodeOf(parent);
    if (!p) return {};
    children = &p->children;
  }
  if (row >= static_cast<int>(children->size())) return {};
  return createIndex(row, column,
                     static_cast<quintptr>((*children)[static_cast<std::size_t>(row)]));
}

QModelIndex StudyModel::parent(const QModelIndex& child) const {
  const Node* n = nodeOf(child);
  if (!n || n->parent < 0) return {};
  const Node& p = m_nodes[static_cast<std::size_t>(n->parent)];
  return createIndex(p.row, 0, static_cast<quintptr>(n->parent));
}

int StudyModel::rowCount(const QModelIndex& parent) const {
  if (!parent.isValid()) return static_cast<int>(m_patients.size());
  if (parent.column() != 0) return 0;
  const Node* n = nodeOf(parent);
  return n ? static_cast<int>(n->children.size()) : 0;
}

int StudyModel::columnCount(const QModelIndex&) const {
  return ColumnCount;
}

QModelIndex StudyModel::indexOfSeries(int series, int column) const {
  if (series < 0 || series >= seriesCount()) return {};
  const int node = m_seriesNode[static_cast<std::size_t>(series)];
  return createIndex(m_nodes[static_cast<std::size_t>(node)].row, column,
                     static_cast<quintptr>(node));
}

int StudyModel::seriesAt(const QModelIndex& index) const {
  const Node* n = nodeOf(index);
  return n && n->type == SeriesNode ? n->series : -1;
}

QStringList StudyModel::warnings(int series) const {
  if (series < 0 || series >= seriesCount()) return {};
  QStringList out;
  for (const auto& w : this->series(series).warnings) out.append(qs(w));
  for (const auto& w : m_state[static_cast<std::size_t>(series)].loadWarnings)
    if (!out.contains(w)) out.append(w);
  return out;
}

QString StudyModel::loadError(int series) const {
  if (series < 0 || series >= seriesCount()) return {};
  return m_state[static_cast<std::size_t>(series)].loadError;
}

QStringList StudyModel::subtreeWarnings(const Node& node) const {
  if (node.type == SeriesNode) return warnings(node.series);
  QStringList out;
  for (int c : node.children) {
    const QStringList w = subtreeWarnings(m_nodes[static_cast<std::size_t>(c)]);
    for (const auto& s : w)
      if (!out.contains(s)) out.append(s);
  }
  return out;
}

void StudyModel::setThumbnail(int generation, int series, const QByteArray& grey,
                              const QSize& size) {
  if (generation != m_generation || series < 0 || series >= seriesCount()) return;
  if (grey.size() != qsizetype(size.width()) * size.height()) return;
  auto& s = m_state[static_cast<std::size_t>(series)];
  s.thumbnail = grey;
  s.thumbnailSize = size;
  const QModelIndex i = indexOfSeries(series);
  emit dataChanged(i, i, {Qt::DecorationRole, ThumbnailRole, ThumbnailSizeRole});
}

void StudyModel::setLoadOutcome(int series, const QStringList& warnings, const QString& error) {
  if (series < 0 || series >= seriesCount()) return;
  auto& s = m_state[static_cast<std::size_t>(series)];
  s.loadError = error;
  if (error.isEmpty()) s.loadWarnings = warnings;
  emit dataChanged(indexOfSeries(series, 0), indexOfSeries(series, ColumnCount - 1));
  // Patients and studies summarise the warnings below them.
  for (QModelIndex p = parent(indexOfSeries(series)); p.isValid(); p = parent(p))
    emit dataChanged(p, index(p.row(), ColumnCount - 1, parent(p)),
                     {Qt::ToolTipRole, WarningsRole});
}

void StudyModel::setCurrentSeries(int series) {
  const int old = m_current;
  m_current = (series >= 0 && series < seriesCount()) ? series : -1;
  for (int s : {old, m_current})
    if (s >= 0)
      emit dataChanged(indexOfSeries(s, 0), indexOfSeries(s, ColumnCount - 1),
                       {CurrentRole, Qt::FontRole});
}

QVariant StudyModel::display(const Node& n, int column) const {
  const auto& e = m_scan.series[static_cast<std::size_t>(n.series)];
  const auto& id = e.identity;
  switch (n.type) {
    case PatientNode:
      switch (column) {
        case NameColumn: {
          const QString name = personName(id.patientName);
          return name.isEmpty() ? tr("(no name)") : name;
        }
        case IdColumn:
          return qs(id.patientId);
        case DateColumn:
          return date(id.patientBirthDate);
        case SizeColumn:
          return n.children.size() == 1 ? tr("1 study") : tr("%1 studies").arg(n.children.size());
        default:
          return {};
      }
    case StudyNode:
      switch (column) {
        case NameColumn:
          return id.studyDescription.empty() ? tr("(no description)") : qs(id.studyDescription);
        case IdColumn:
          return qs(id.accessionNumber);
        case DateColumn:
          return date(id.studyDate);
        case ModalityColumn: {
          QStringList codes;
          for (int c : n.children) {
            const auto& s =
                m_scan
                    .series[static_cast<std::size_t>(m_nodes[static_cast<std::size_t>(c)].series)];
            const QString code =
                qs(s.modalityCode.empty() ? core::modalityCode(s.modality) : s.modalityCode);
            if (!code.isEmpty() && !codes.contains(code)) codes.append(code);
          }
          return codes.join(", ");
        }
        case SizeColumn:
          return tr("%1 series").arg(n.children.size());
        default:
          return {};
      }
    case SeriesNode:
      switch (column) {
        case NameColumn:
          return qs(e.displayName());
        case IdColumn:
          return id.seriesNumber;
        case DateColumn: {
          const QString t = qs(e.seriesTime);
          return t.size() >= 4 ? t.left(2) + ':' + t.mid(2, 2) : t;
        }
        case ModalityColumn:
          return qs(e.modalityCode.empty() ? core::modalityCode(e.modality) : e.modalityCode);
        case KindColumn:
          return kindText(e);
        case SizeColumn:
          return sizeText(e);
        default:
          return {};
      }
  }
  return {};
}

QVariant StudyModel::sortValue(const Node& n, int column) const {
  const auto& e = m_scan.series[static_cast<std::size_t>(n.series)];
  if (n.type == SeriesNode) {
    if (column == IdColumn) return e.identity.seriesNumber;
    if (column == DateColumn) return qs(e.seriesTime);
    if (column == SizeColumn) {
      double voxels =
          double(e.rows) * double(e.columns) * double(e.sliceCount) * double(e.volumeCount);
      return voxels;
    }
  }
  if (n.type == StudyNode && column == DateColumn)
    return qs(e.identity.studyDate + e.identity.studyTime);
  if (n.type == PatientNode && column == DateColumn) return qs(e.identity.patientBirthDate);
  return display(n, column);
}

QString StudyModel::tooltip(const Node& n) const {
  const auto& e = m_scan.series[static_cast<std::size_t>(n.series)];
  QStringList lines;
  switch (n.type) {
    case PatientNode:
      lines << tr("Patient: %1").arg(personName(e.identity.patientName))
            << tr("ID: %1  Born: %2  Sex: %3")
                   .arg(qs(e.identity.patientId), date(e.identity.patientBirthDate),
                        qs(e.identity.patientSex));
      break;
    case StudyNode:
      lines << tr("Study: %1").arg(qs(e.identity.studyDescription))
            << tr("Date: %1  Accession: %2  Study ID: %3")
                   .arg(date(e.identity.studyDate), qs(e.identity.accessionNumber),
                        qs(e.identity.studyId));
      break;
    case SeriesNode: {
      lines << tr("Series %1: %2").arg(e.identity.seriesNumber).arg(qs(e.displayName()))
            << tr("%1 %2, %3, %4 files")
                   .arg(qs(e.modalityCode), kindText(e),
                        sizeText(e))
                   .arg(e.files.size());
      if (!e.manufacturer.empty()) lines << tr("Manufacturer: %1").arg(qs(e.manufacturer));
      const QString error = loadError(n.series);
      if (!error.isEmpty()) lines << tr("Cannot load: %1").arg(error);
      break;
    }
  }
  const QStringList w = subtreeWarnings(n);
  if (!w.isEmpty()) {
    lines << tr("Warnings:");
    for (const auto& s : w) lines << QStringLiteral("• ") + s;
  }
  return lines.join('\n');
}

QVariant StudyModel::data(const QModelIndex& index, int role) const {
  const Node* n = nodeOf(index);
  if (!n) return {};
  const int column = index.column();
  switch (role) {
    case Qt::DisplayRole:
      return display(*n, column);
    case Qt::ToolTipRole:
      return tooltip(*n);
    case NodeTypeRole:
      return static_cast<int>(n->type);
    case SeriesIndexRole:
      return n->type == SeriesNode ? n->series : -1;
    case SortRole:
      return sortValue(*n, column);
    case WarningsRole:
      return subtreeWarnings(*n);
    case RawTextRole: {
      const auto& id = m_scan.series[static_cast<std::size_t>(n->series)].identity;
      if (n->type == PatientNode && column == NameColumn) return qs(id.patientName);
      if (n->type == PatientNode && column == DateColumn) return qs(id.patientBirthDate);
      if (n->type == StudyNode && column == DateColumn) return qs(id.studyDate);
      return display(*n, column);
    }
    default:
      break;
  }
  if (n->type != SeriesNode) return {};
  const auto& s = m_state[static_cast<std::size_t>(n->series)];
  switch (role) {
    case ErrorRole:
      return s.loadError;
    case ThumbnailRole:
      return s.thumbnail;
    case ThumbnailSizeRole:
      return s.thumbnailSize;
    case CurrentRole:
      return n->series == m_current;
    default:
      return {};
  }
}

QVariant StudyModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (section) {
    case NameColumn:
      return tr("Patient / Study / Series");
    case IdColumn:
      return tr("ID / No.");
    case DateColumn:
      return tr("Date");
    case ModalityColumn:
      return tr("Modality");
    case KindColumn:
      return tr("Kind");
    case SizeColumn:
      return tr("Size");
    default:
      return {};
  }
}

Qt::ItemFlags StudyModel::flags(const QModelIndex& index) const {
  const Node* n = nodeOf(index);
  if (!n) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (n->type == SeriesNode) f |= Qt::ItemIsDragEnabled;
  return f;
}

QStringList StudyModel::mimeTypes() const {
  return {QString::fromLatin1(seriesMimeType())};
}

QMimeData* StudyModel::mimeData(const QModelIndexList& indexes) const {
  for (const auto& i : indexes) {
    const int s = seriesAt(i);
    if (s < 0) continue;
    auto* mime = new QMimeData;
    mime->setData(seriesMimeType(), QStringLiteral("%1 %2").arg(m_generation).arg(s).toUtf8());
    mime->setText(qs(series(s).displayName()));
    return mime;
  }
  return nullptr;
}

}  // namespace fw::scene
