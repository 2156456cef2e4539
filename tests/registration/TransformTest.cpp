#include <QtTest>
class TransformTest : public QObject {
  Q_OBJECT
 private slots:
  void placeholder() { QVERIFY(true); }
};
QTEST_GUILESS_MAIN(TransformTest)
#include "TransformTest.moc"
