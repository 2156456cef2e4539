// Runs the fuzz harness (FuzzHarness.cpp) with a plain compiler over a seed corpus, so every
// build checks the harness and every reproducer the fuzzer ever found: the checked-in corpus
// (tests/fuzz/corpus: phantom slices, hand-made broken files, fuzzer finds), inputs made here
// from written series (whole, truncated at many offsets, with header bytes flipped), and the
// shared unit_minis DICOM files when present. Passing means: no crash, no escaping exception
// other than core::Error, no file lost by the scan. Set FW_FUZZ_WRITE_SEEDS=<dir> to write
// the generated seeds there (that is how tests/fuzz/corpus/seed_* were made).
#include <QtTest>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "DicomTestUtil.h"
#include "FuzzHarness.h"
#include "TestData.h"

using namespace fw;
namespace fs = std::filesystem;

namespace {

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fuzz::RunStats run(const std::string& input, const std::string& what) {
  try {
    return fuzz::runOne(reinterpret_cast<const std::uint8_t*>(input.data()), input.size(),
                        test::scratchDir("fuzz_replay_run"));
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
}

}  // namespace

class FuzzReplayTest : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase();
  void checkedInCorpus();
  void generatedSeeds();
  void truncationsAndFlips();
  void unitMinis();

 private:
  std::vector<std::string> m_slices;  // CT slices 0..2, DWI slices 0, 10 (same position, two volumes)
};

void FuzzReplayTest::initTestCase() {
  const auto dir = test::scratchDir("fuzz_replay_src");
  const auto ct = test::writeCtSeries(dir / "ct");
  const auto dwi = test::writeDwiSeries(dir / "dwi");
  for (int i = 0; i < 3; ++i) m_slices.push_back(readAll(ct.files[static_cast<std::size_t>(i)]));
  m_slices.push_back(readAll(dwi.files[0]));
  m_slices.push_back(readAll(dwi.files[10]));
  for (const auto& s : m_slices) QVERIFY(s.size() > 500);
}

void FuzzReplayTest::checkedInCorpus() {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(FW_FUZZ_CORPUS)) {
    if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
    QVERIFY_THROWS_NO_EXCEPTION(run(readAll(e.path()), e.path().string()));
    ++n;
  }
  QVERIFY2(n >= 8, qPrintable(QString("only %1 corpus files in %2").arg(n).arg(FW_FUZZ_CORPUS)));
}

void FuzzReplayTest::generatedSeeds() {
  struct Seed {
    std::string name, input;
    std::size_t headers, series;
  };
  const std::vector<Seed> seeds = {
      {"seed_ct_one", m_slices[0], 1, 1},
      {"seed_ct_three", fuzz::joinParts({m_slices[0], m_slices[1], m_slices[2]}), 3, 1},
      {"seed_dwi_two_volumes", fuzz::joinParts({m_slices[3], m_slices[4]}), 2, 1},
      {"seed_ct_and_dwi", fuzz::joinParts({m_slices[0], m_slices[1], m_slices[3]}), 3, 2},
      {"seed_ct_duplicate", fuzz::joinParts({m_slices[0], m_slices[0]}), 2, 1},
  };
  const char* out = std::getenv("FW_FUZZ_WRITE_SEEDS");
  for (const auto& s : seeds) {
    const auto stats = run(s.input, s.name);
    // The harness reaches the code under test: headers read, series formed.
    QCOMPARE(stats.headers, s.headers);
    QCOMPARE(stats.series, s.series);
    if (out) std::ofstream(fs::path(out) / s.name, std::ios::binary) << s.input;
  }
  // The intact three-slice CT arranges into one volume.
  QCOMPARE(run(seeds[1].input, "three").arranged, std::size_t(1));
}

void FuzzReplayTest::truncationsAndFlips() {
  const std::string& slice = m_slices[0];
  const std::string other = m_slices[1];
  std::size_t runs = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t cut = 0; cut < slice.size(); cut += 13) {
    QVERIFY_THROWS_NO_EXCEPTION(run(fuzz::joinParts({slice.substr(0, cut), other}), "cut " + std::to_string(cut)));
    ++runs;
  }
  for (std::size_t at = 128; at < std::min<std::size_t>(slice.size(), 1400); at += 7) {
    for (unsigned char v : {0x00, 0xff, 0x7f}) {
      std::string m = slice;
      m[at] = static_cast<char>(v);
      QVERIFY_THROWS_NO_EXCEPTION(run(fuzz::joinParts({m, other}), "flip " + std::to_string(at)));
      ++runs;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  qInfo("%zu mutated inputs in %.2f s", runs, s);
  QVERIFY(runs > 300);
}

void FuzzReplayTest::unitMinis() {
  const auto dir = test::sharedData() / "unit_minis";
  if (!fs::exists(dir)) QSKIP("shared unit_minis not found (see ../shared/data/README.md)");
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".dcm") continue;
    const auto stats = run(readAll(e.path()), e.path().string());
    QVERIFY2(stats.headers >= 1, e.path().c_str());
    ++n;
  }
  QVERIFY(n >= 2);
}

QTEST_GUILESS_MAIN(FuzzReplayTest)
#include "FuzzReplayTest.moc"
