#include "DicomDir.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcuid.h>

#include "DcmUtil.h"
#include "fw/core/Error.h"

namespace fw::dicom::detail {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An on-disk name as a reference would spell it: lower case, without an ISO 9660 version
// suffix (";1") or the bare trailing dot some CD writers leave ("IM0001.").
std::string comparable(std::string name) {
  const auto semi = name.rfind(';');
  if (semi != std::string::npos && semi + 1 < name.size() &&
      std::all_of(name.begin() + static_cast<long>(semi) + 1, name.end(), [](unsigned char c) { return std::isdigit(c); }))
    name.erase(semi);
  if (!name.empty() && name.back() == '.') name.pop_back();
  return lower(name);
}

// Folder listings, read once per folder.
class ListingCache {
 public:
  const std::vector<std::string>& names(const fs::path& dir) {
    auto it = m_cache.find(dir.string());
    if (it != m_cache.end()) return it->second;
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator d(dir, ec), end; !ec && d != end; d.increment(ec))
      names.push_back(d->path().filename().string());
    std::sort(names.begin(), names.end());
    return m_cache.emplace(dir.string(), std::move(names)).first->second;
  }

 private:
  std::map<std::string, std::vector<std::string>> m_cache;
};

fs::path resolve(const fs::path& root, const std::vector<std::string>& components, std::string& why,
                 ListingCache& cache) {
  if (components.empty()) {
    why = "an empty reference";
    return {};
  }
  fs::path cur = root;
  for (std::size_t i = 0; i < components.size(); ++i) {
    const std::string& c = components[i];
    if (c.empty()) {
      why = i == 0 ? "an absolute path, outside the DICOMDIR's folder" : "an empty path component";
      return {};
    }
    if (c == ".." || c == ".") {
      why = "a path with '" + c + "', outside the DICOMDIR's folder";
      return {};
    }
    if (c.find('/') != std::string::npos || c.find(':') != std::string::npos || c.find('\0') != std::string::npos) {
      why = "a path component '" + c + "' with '/' or ':' (absolute or another folder)";
      return {};
    }
    std::error_code ec;
    const fs::path exact = cur / c;
    if (fs::exists(exact, ec)) {
      cur = exact;
      continue;
    }
    const std::string want = comparable(c);
    std::vector<std::string> matches;
    for (const auto& name : cache.names(cur))
      if (comparable(name) == want) matches.push_back(name);
    if (matches.empty()) {
      why = "missing";
      return {};
    }
    if (matches.size() > 1) {
      why = "ambiguous: " + std::to_string(matches.size()) + " names differ only in case (" + matches[0] + ", " +
            matches[1] + ")";
      return {};
    }
    cur /= matches.front();
  }
  // A symbolic link inside the file-set must not lead out of it.
  std::error_code ec1, ec2;
  const fs::path canonRoot = fs::canonical(root, ec1);
  const fs::path canonFile = fs::canonical(cur, ec2);
  if (ec1 || ec2) {
    why = "missing";
    return {};
  }
  const auto rel = canonFile.lexically_relative(canonRoot);
  if (rel.empty() || *rel.begin() == "..") {
    why = "a path that leads outside the DICOMDIR's folder through a symbolic link (to " + canonFile.string() + ")";
    return {};
  }
  return cur;
}

std::vector<std::string> splitComponents(const std::string& value) {
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : value) {
    if (ch == '\\') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  parts.push_back(cur);
  // Values are padded with spaces; components are trimmed.
  for (auto& p : parts) {
    while (!p.empty() && p.back() == ' ') p.pop_back();
    while (!p.empty() && p.front() == ' ') p.erase(p.begin());
  }
  return parts;
}

}  // namespace

bool isDicomDir(const fs::path& file) {
  if (lower(file.filename().string()) == "dicomdir") return true;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return false;
  quietDcmtkWarnings();
  DcmFileFormat ff;
  if (ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 256, ERM_metaOnly).bad()) return false;
  return getStringOr(*ff.getMetaInfo(), DCM_MediaStorageSOPClassUID) == UID_MediaStorageDirectoryStorage;
}

fs::path resolveReferencedFile(const fs::path& root, const std::vector<std::string>& components, std::string& why) {
  ListingCache cache;
  return resolve(root, components, why, cache);
}

DicomDirContents readDicomDir(const fs::path& dicomDir) {
  quietDcmtkWarnings();
  std::error_code ec;
  if (!fs::is_regular_file(dicomDir, ec)) throw core::Error(dicomDir.string() + ": no such DICOMDIR file");
  DcmFileFormat ff;
  const OFCondition cond = ff.loadFile(dicomDir.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
  if (cond.bad()) throw core::Error(dicomDir.string() + ": damaged DICOMDIR (" + cond.text() + ")");
  const std::string cls = getStringOr(*ff.getMetaInfo(), DCM_MediaStorageSOPClassUID);
  if (cls != UID_MediaStorageDirectoryStorage)
    throw core::Error(dicomDir.string() + ": not a DICOMDIR (Media Storage SOP Class is '" + cls + "')");
  DcmSequenceOfItems* records = nullptr;
  if (ff.getDataset()->findAndGetSequence(DCM_DirectoryRecordSequence, records).bad() || records == nullptr)
    throw core::Error(dicomDir.string() + ": damaged DICOMDIR (no Directory Record Sequence)");

  DicomDirContents out;
  const fs::path root = dicomDir.parent_path().empty() ? fs::path(".") : dicomDir.parent_path();
  ListingCache cache;
  std::set<std::string> seen;
  std::size_t referencing = 0;
  for (unsigned long i = 0; i < records->card(); ++i) {
    DcmItem* rec = records->getItem(i);
    if (rec == nullptr) continue;
    OFString value;
    if (rec->findAndGetOFStringArray(DCM_ReferencedFileID, value).bad() || value.empty()) continue;
    ++referencing;
    const std::string type = getStringOr(*rec, DCM_DirectoryRecordType, "record without a type");
    const std::string recordName = "record " + std::to_string(i + 1) + " (" + type + ")";
    const std::string ref(value.c_str());
    std::string why;
    const fs::path file = resolve(root, splitComponents(ref), why, cache);
    if (file.empty()) {
      if (why == "missing") {
        fs::path expected = root;
        for (const auto& c : splitComponents(ref)) expected /= c;
        out.missing.push_back({expected, "missing: referenced by DICOMDIR " + dicomDir.string() + " " + recordName});
      } else {
        out.notes.push_back("DICOMDIR " + dicomDir.string() + ": " + recordName + " refers to '" + ref + "', " + why +
                            "; refused");
      }
      continue;
    }
    if (seen.insert(file.lexically_normal().string()).second) out.files.push_back(file);
  }
  if (referencing == 0) out.notes.push_back("DICOMDIR " + dicomDir.string() + " lists no files");
  return out;
}

}  // namespace fw::dicom::detail
