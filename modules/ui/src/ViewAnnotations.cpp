#include "fw/ui/ViewAnnotations.h"

#include <QFontMetrics>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace fw::ui {

namespace {
constexpr int kMargin = 4;  // from the view's edges
constexpr int kGap = 6;     // between a corner block and a letter

int idx(Edge e) {
  return static_cast<int>(e);
}
int idx(Corner c) {
  return static_cast<int>(c);
}
}  // namespace

AnnotationLayout layoutAnnotations(const ViewAnnotations& text, const QSize& size) {
  AnnotationLayout out;
  const int w = size.width(), h = size.height();
  out.textFont = QFont();
  out.textFont.setPixelSize(std::clamp(static_cast<int>(std::lround(h / 36.0)), 9, 13));
  out.letterFont = QFont();
  out.letterFont.setPixelSize(std::clamp(static_cast<int>(std::lround(h / 28.0)), 10, 16));
  out.letterFont.setBold(true);
  const QFontMetrics tm(out.textFont), lm(out.letterFont);

  // Letters: left and right at mid-height, top and bottom centred.
  auto letterSize = [&](Edge e) {
    const QString& s = text.letters[idx(e)];
    return s.isEmpty() ? QSize(0, 0) : QSize(lm.horizontalAdvance(s) + 2, lm.height());
  };
  const QSize ls[4] = {letterSize(Edge::Left), letterSize(Edge::Right), letterSize(Edge::Top),
                       letterSize(Edge::Bottom)};
  for (int e = 0; e < 4; ++e) out.letters[e] = text.letters[e];
  auto place = [&](Edge e, int x, int y) {
    if (!ls[idx(e)].isEmpty()) out.letterRects[idx(e)] = QRect(QPoint(x, y), ls[idx(e)]);
  };
  place(Edge::Left, kMargin, (h - ls[0].height()) / 2);
  place(Edge::Right, w - kMargin - ls[1].width(), (h - ls[1].height()) / 2);
  place(Edge::Top, (w - ls[2].width()) / 2, kMargin);
  place(Edge::Bottom, (w - ls[3].width()) / 2, h - kMargin - ls[3].height());

  // Corner lines stay out of the centre column that holds the top and bottom letters...
  const int centre = std::max(ls[2].width(), ls[3].width());
  const int maxWidth = std::max(0, (w - 2 * kMargin - centre) / 2 - kGap);
  // ...and out of the band at mid-height that holds the side letters.
  const int sideTop = std::min(out.letterRects[0].isNull() ? h / 2 : out.letterRects[0].top(),
                               out.letterRects[1].isNull() ? h / 2 : out.letterRects[1].top());
  const int sideBottom =
      std::max(out.letterRects[0].isNull() ? h / 2 : out.letterRects[0].bottom() + 1,
               out.letterRects[1].isNull() ? h / 2 : out.letterRects[1].bottom() + 1);
  const int lineH = tm.height();
  const int upperFit = std::max(0, (sideTop - kGap - kMargin) / lineH);
  const int lowerFit = std::max(0, (h - kMargin - (sideBottom + kGap)) / lineH);

  for (int c = 0; c < 4; ++c) {
    const bool upper = c == idx(Corner::UpperLeft) || c == idx(Corner::UpperRight);
    const bool left = c == idx(Corner::UpperLeft) || c == idx(Corner::LowerLeft);
    QStringList lines;
    for (const QString& block : text.corners[c])
      for (const QString& line : block.split('\n')) lines << line;
    const int fit = upper ? upperFit : lowerFit;
    if (lines.size() > fit) {
      out.droppedLines += static_cast<int>(lines.size()) - fit;
      lines = lines.mid(0, fit);
    }
    if (maxWidth < tm.horizontalAdvance(QStringLiteral("W…"))) {
      out.droppedLines += static_cast<int>(lines.size());
      lines.clear();
    }
    QRect box;
    const int top = upper ? kMargin : h - kMargin - static_cast<int>(lines.size()) * lineH;
    for (int i = 0; i < lines.size(); ++i) {
      lines[i] = tm.elidedText(lines[i], Qt::ElideRight, maxWidth);
      const int lw = tm.horizontalAdvance(lines[i]);
      const QRect r(left ? kMargin : w - kMargin - lw, top + i * lineH, lw, lineH);
      box = box.united(r);
    }
    out.cornerLines[c] = lines;
    out.cornerRects[c] = box;
  }
  return out;
}

namespace {
void outlinedText(QPainter& p, const QRect& r, int flags, const QString& s, const QColor& colour) {
  p.setPen(QColor(0, 0, 0, 200));
  for (const QPoint d : {QPoint(1, 1), QPoint(-1, 1), QPoint(1, -1), QPoint(-1, -1)})
    p.drawText(r.translated(d), flags, s);
  p.setPen(colour);
  p.drawText(r, flags, s);
}
}  // namespace

void drawAnnotations(QPainter& p, const AnnotationLayout& layout) {
  p.save();
  p.setRenderHint(QPainter::TextAntialiasing);
  p.setFont(layout.letterFont);
  for (int e = 0; e < 4; ++e)
    if (!layout.letterRects[e].isNull())
      outlinedText(p, layout.letterRects[e], Qt::AlignCenter, layout.letters[e],
                   QColor(242, 204, 77));
  p.setFont(layout.textFont);
  const int lineH = QFontMetrics(layout.textFont).height();
  for (int c = 0; c < 4; ++c) {
    const auto& lines = layout.cornerLines[c];
    const QRect& box = layout.cornerRects[c];
    const bool left = c == idx(Corner::UpperLeft) || c == idx(Corner::LowerLeft);
    for (int i = 0; i < lines.size(); ++i) {
      const QRect r(box.left(), box.top() + i * lineH, box.width(), lineH);
      outlinedText(p, r, (left ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignVCenter, lines[i],
                   QColor(222, 222, 222));
    }
  }
  p.restore();
}

}  // namespace fw::ui
