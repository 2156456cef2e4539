#pragma once
// Reading a DICOMDIR (the index of a DICOM CD/DVD or USB export, PS3.10 File-set): which files
// its records name, resolved against the DICOMDIR's own folder. Internal to the dicom module;
// scan() uses it when it is given a DICOMDIR file.
#include <filesystem>
#include <string>
#include <vector>

#include "fw/dicom/Scan.h"

namespace fw::dicom::detail {

struct DicomDirContents {
  // Every existing file a record refers to, once each, in the order of the records.
  std::vector<std::filesystem::path> files;
  // Files a record refers to that are not there: file = where it was expected, reason names
  // the record.
  std::vector<SkippedFile> missing;
  // Refused references (outside the DICOMDIR's folder, malformed), ambiguities, remarks.
  std::vector<std::string> notes;
};

// True when `file` is named DICOMDIR (any case) or its meta header says Media Storage
// Directory Storage. Cheap: reads the meta header only.
bool isDicomDir(const std::filesystem::path& file);

// Follows every directory record that has a Referenced File ID. References are resolved
// relative to the DICOMDIR's folder, component by component and case-insensitively (CD file
// names are upper case, references may differ in case; an ISO 9660 version suffix ";1" is
// ignored). References that leave the folder (absolute, "..", or through a symbolic link) are
// refused with a note naming the record. Throws core::Error (naming the file and the problem)
// when the DICOMDIR itself cannot be read or is not a DICOMDIR.
DicomDirContents readDicomDir(const std::filesystem::path& dicomDir);

// Resolves the components of a Referenced File ID under `root` as readDicomDir does. Returns
// an empty path and sets `why` when a component is refused or not found ("missing").
std::filesystem::path resolveReferencedFile(const std::filesystem::path& root, const std::vector<std::string>& components,
                                            std::string& why);

}  // namespace fw::dicom::detail
