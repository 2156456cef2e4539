#pragma once
// Who and what a volume is: the DICOM identity it came from or will be written with. Strings
// are UTF-8 (converted from the data's Specific Character Set when read).
#include <string>

namespace fw::core {

enum class Modality { Unknown, CT, MR, PT, Other };

const char* modalityCode(Modality m);  // "CT", "MR", "PT", "OT", "" for Unknown
Modality modalityFromCode(const std::string& code);

struct DicomIdentity {
  std::string patientName;  // DICOM PN, '^'-separated components
  std::string patientId;
  std::string patientBirthDate;  // YYYYMMDD
  std::string patientSex;        // M, F, O
  std::string studyInstanceUid;
  std::string studyDate;  // YYYYMMDD
  std::string studyTime;
  std::string studyDescription;
  std::string studyId;
  std::string accessionNumber;
  std::string seriesInstanceUid;
  std::string seriesDescription;
  int seriesNumber = 0;
  std::string frameOfReferenceUid;
};

}  // namespace fw::core
