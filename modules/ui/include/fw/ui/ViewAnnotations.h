#pragma once
// The text over a slice view: four orientation letters at the middle of the edges and four
// corner blocks (patient, study and series, slice, window and zoom). Drawn with QPainter over
// the frame VTK rendered, not by VTK: Qt finds glyphs through fontconfig, so names in any
// script (Chinese with fonts-noto-cjk) show as written, where VTK's built-in font has Latin
// glyphs only. The layout keeps every piece inside the view and apart at any size: corner
// lines are elided so that they stop before the top and bottom letters' column, and a corner
// block drops its last lines rather than run into the side letters.
#include <QFont>
#include <QRect>
#include <QSize>
#include <QString>
#include <QStringList>

class QPainter;

namespace fw::ui {

// Corner blocks, in the order VTK's corner annotation used.
enum class Corner { LowerLeft = 0, LowerRight = 1, UpperLeft = 2, UpperRight = 3 };
// Edge letters.
enum class Edge { Left = 0, Right = 1, Top = 2, Bottom = 3 };

struct ViewAnnotations {
  QString letters[4];      // by Edge
  QStringList corners[4];  // by Corner, lines top to bottom, most important first
};

struct AnnotationLayout {
  QFont textFont;
  QFont letterFont;
  QString letters[4];          // by Edge
  QRect letterRects[4];        // by Edge; empty when the letter is empty
  QStringList cornerLines[4];  // by Corner: the lines as drawn (elided, only those that fit)
  QRect cornerRects[4];        // by Corner: bounding box of the lines as drawn
  int droppedLines = 0;        // lines left out for lack of room (all corners)
};

// Lays out `text` in a view of `size` logical pixels. Font sizes follow the view height
// (small views get smaller text, never below a legible minimum).
AnnotationLayout layoutAnnotations(const ViewAnnotations& text, const QSize& size);

// Draws a layout: light text with a dark outline, so it reads on black and on bright bone.
void drawAnnotations(QPainter& painter, const AnnotationLayout& layout);

}  // namespace fw::ui
