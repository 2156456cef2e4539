#pragma once
// The porcine CT/T2 landmark truth (tests/registration/data/porcine-landmarks.json): pairs of
// corresponding points picked in both series, LPS mm in each series' own frame. fixed = T2,
// moving = CT, so a registration result maps t2[i] to (near) ct[i]. Shared by fusion-cli
// bench-register (the porcine pair's TRE) and the landmark, real-data and elastix tests.
// Header-only (Qt Core's JSON). Throws core::Error naming the file when it is missing or
// malformed.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <string>
#include <vector>

#include "fw/core/Error.h"
#include "fw/core/Geometry.h"

namespace fw::cli::bench {

struct PorcineLandmarks {
  std::vector<std::string> names, descriptions;
  std::vector<core::Vec3> t2, ct;  // fixed (T2) and moving (CT) worlds
  double documentedResidualMean = 0;  // the file's rigidFit.residualMeanMm
};

inline PorcineLandmarks readPorcineLandmarks(const std::string& path) {
  QFile f(QString::fromStdString(path));
  if (!f.open(QIODevice::ReadOnly)) throw core::Error("cannot open landmark file " + path);
  QJsonParseError err{};
  const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
  if (doc.isNull())
    throw core::Error("landmark file " + path + ": " + err.errorString().toStdString());
  const auto vec = [&](const QJsonValue& v, const std::string& what) {
    const QJsonArray a = v.toArray();
    if (a.size() != 3 || !a[0].isDouble() || !a[1].isDouble() || !a[2].isDouble())
      throw core::Error("landmark file " + path + ": " + what + " is not 3 numbers");
    return core::Vec3{a[0].toDouble(), a[1].toDouble(), a[2].toDouble()};
  };
  PorcineLandmarks out;
  for (const QJsonValue& v : doc.object().value("landmarks").toArray()) {
    const QJsonObject o = v.toObject();
    const std::string name = o.value("name").toString().toStdString();
    out.names.push_back(name);
    out.descriptions.push_back(o.value("description").toString().toStdString());
    out.ct.push_back(vec(o.value("ct"), name + ".ct"));
    out.t2.push_back(vec(o.value("t2"), name + ".t2"));
  }
  if (out.names.empty()) throw core::Error("landmark file " + path + " has no landmarks");
  out.documentedResidualMean =
      doc.object().value("rigidFit").toObject().value("residualMeanMm").toDouble(-1);
  return out;
}

}  // namespace fw::cli::bench
