#pragma once
// A non-modal, dismissable banner above the views for what the user must know about the data
// on screen: a loaded series' warnings (tilt corrected, missing slices, uneven spacing) or why
// a series could not be loaded. It never blocks work and stays until closed or replaced.
#include <QFrame>
#include <QString>
#include <QStringList>

class QLabel;
class QToolButton;

namespace fw::ui {

class NoticeBanner : public QFrame {
  Q_OBJECT
 public:
  enum class Level { Warning, Error };
  explicit NoticeBanner(QWidget* parent = nullptr);

  // Shows `title` and the first few `details` (the rest are counted); replaces what was shown.
  void showNotice(Level level, const QString& title, const QStringList& details);
  void dismiss();
  Level level() const { return m_level; }
  QString text() const;  // title and details as plain text, for tests and logs

 signals:
  void dismissed();

 private:
  QLabel* m_icon;
  QLabel* m_text;
  QToolButton* m_close;
  Level m_level = Level::Warning;
  QString m_plain;
};

}  // namespace fw::ui
