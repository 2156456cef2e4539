#include "fw/ui/NoticeBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QToolButton>
#include <algorithm>

namespace fw::ui {

namespace {
constexpr int kMaxDetails = 6;
}

NoticeBanner::NoticeBanner(QWidget* parent) : QFrame(parent) {
  setObjectName("NoticeBanner");
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 4, 4);
  m_icon = new QLabel(this);
  m_icon->setAlignment(Qt::AlignTop);
  m_text = new QLabel(this);
  m_text->setObjectName("NoticeText");
  m_text->setWordWrap(true);
  m_text->setTextFormat(Qt::RichText);
  m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_close = new QToolButton(this);
  m_close->setObjectName("NoticeClose");
  m_close->setText(QStringLiteral("✕"));
  m_close->setToolTip(tr("Dismiss"));
  m_close->setAutoRaise(true);
  layout->addWidget(m_icon);
  layout->addWidget(m_text, 1);
  layout->addWidget(m_close, 0, Qt::AlignTop);
  connect(m_close, &QToolButton::clicked, this, &NoticeBanner::dismiss);
  setVisible(false);
}

void NoticeBanner::showNotice(Level level, const QString& title, const QStringList& details) {
  m_level = level;
  const bool error = level == Level::Error;
  setStyleSheet(error ? "#NoticeBanner { background: #f8d7da; border-bottom: 1px solid #c9858c; } "
                        "QLabel { color: #5a1218; }"
                      : "#NoticeBanner { background: #fff1c2; border-bottom: 1px solid #d4b65a; } "
                        "QLabel { color: #4a3800; }");
  const auto icon =
      style()->standardIcon(error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning);
  m_icon->setPixmap(icon.pixmap(20, 20));
  QString html = "<b>" + title.toHtmlEscaped() + "</b>";
  m_plain = title;
  const int shown = std::min<int>(kMaxDetails, static_cast<int>(details.size()));
  for (int i = 0; i < shown; ++i) {
    html += "<br>• " + details[i].toHtmlEscaped();
    m_plain += "\n" + details[i];
  }
  if (details.size() > shown) {
    const QString more = tr("… and %1 more (see the series' tooltip in the study browser)")
                             .arg(details.size() - shown);
    html += "<br>" + more.toHtmlEscaped();
    m_plain += "\n" + more;
  }
  m_text->setText(html);
  setVisible(true);
}

void NoticeBanner::dismiss() {
  if (isHidden()) return;
  setVisible(false);
  emit dismissed();
}

QString NoticeBanner::text() const {
  return isHidden() ? QString() : m_plain;
}

}  // namespace fw::ui
