#include "FastHeader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <unordered_set>
#include <vector>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdict.h>
#include <dcmtk/dcmdata/dcdicent.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dchashdi.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcxfer.h>

namespace fw::dicom::detail {

namespace {

constexpr std::uint32_t kUndefined = 0xFFFFFFFFu;
// As readSliceHeader: longer values are not loaded by DCMTK's header parse; we do not keep them.
constexpr std::uint32_t kMaxKeptValue = 4096;
constexpr int kMaxDepth = 12;

constexpr std::uint32_t tagOf(std::uint16_t g, std::uint16_t e) { return (std::uint32_t(g) << 16) | e; }

// Where an element is: the dataset's top level, or an item of one of the sequences we keep.
enum class Ctx : std::uint8_t {
  Top,
  RealWorldValue,     // (0040,9096) item
  FunctionalGroups,   // (5200,9229) / (5200,9230) item
  PlanePosition,      // (0020,9113)
  PlaneOrientation,   // (0020,9116)
  PixelMeasures,      // (0028,9110)
  ValueTransform,     // (0028,9145)
  FrameVoiLut,        // (0028,9132)
  FrameContent,       // (0020,9111)
  MrEcho,             // (0018,9114)
  MrTiming,           // (0018,9112)
  FrameType,          // (0018,9226) / (0018,9329)
  MrDiffusion,        // (0018,9117)
  GradientDirection,  // (0018,9076)
  BMatrix,            // (0018,9601)
  None,
};

// An attribute sliceHeaderFrom() reads, where it reads it, with its VR; a sequence (EVR_SQ)
// names the context of its items.
struct Kept {
  Ctx ctx;
  std::uint32_t tag;
  char vr[3];
  DcmEVR evr;
  Ctx items = Ctx::None;
};

// Every attribute sliceHeaderFrom() (with readDiffusion, readMosaic, philipsPreciseScale,
// applyFunctionalGroup and readDiffusionFromFunctionalGroup) reads, at the top level of the
// dataset and in the items of the sequences it reads. tests/dicom/FastHeaderTest.cpp compares
// the result with DCMTK's on every file we have.
constexpr Kept kKept[] = {
    {Ctx::Top, tagOf(0x0008, 0x0005), "CS", EVR_CS},  // Specific Character Set
    {Ctx::Top, tagOf(0x0008, 0x0008), "CS", EVR_CS},  // Image Type
    {Ctx::Top, tagOf(0x0008, 0x0016), "UI", EVR_UI},  // SOP Class UID
    {Ctx::Top, tagOf(0x0008, 0x0018), "UI", EVR_UI},  // SOP Instance UID
    {Ctx::Top, tagOf(0x0008, 0x0020), "DA", EVR_DA},  // Study Date
    {Ctx::Top, tagOf(0x0008, 0x002A), "DT", EVR_DT},  // Acquisition DateTime
    {Ctx::Top, tagOf(0x0008, 0x0030), "TM", EVR_TM},  // Study Time
    {Ctx::Top, tagOf(0x0008, 0x0031), "TM", EVR_TM},  // Series Time
    {Ctx::Top, tagOf(0x0008, 0x0032), "TM", EVR_TM},  // Acquisition Time
    {Ctx::Top, tagOf(0x0008, 0x0050), "SH", EVR_SH},  // Accession Number
    {Ctx::Top, tagOf(0x0008, 0x0060), "CS", EVR_CS},  // Modality
    {Ctx::Top, tagOf(0x0008, 0x0070), "LO", EVR_LO},  // Manufacturer
    {Ctx::Top, tagOf(0x0008, 0x1030), "LO", EVR_LO},  // Study Description
    {Ctx::Top, tagOf(0x0008, 0x103E), "LO", EVR_LO},  // Series Description
    {Ctx::Top, tagOf(0x0010, 0x0010), "PN", EVR_PN},  // Patient's Name
    {Ctx::Top, tagOf(0x0010, 0x0020), "LO", EVR_LO},  // Patient ID
    {Ctx::Top, tagOf(0x0010, 0x0030), "DA", EVR_DA},  // Patient's Birth Date
    {Ctx::Top, tagOf(0x0010, 0x0040), "CS", EVR_CS},  // Patient's Sex
    {Ctx::Top, tagOf(0x0018, 0x0050), "DS", EVR_DS},  // Slice Thickness
    {Ctx::Top, tagOf(0x0018, 0x0080), "DS", EVR_DS},  // Repetition Time
    {Ctx::Top, tagOf(0x0018, 0x0081), "DS", EVR_DS},  // Echo Time
    {Ctx::Top, tagOf(0x0018, 0x0086), "IS", EVR_IS},  // Echo Numbers
    {Ctx::Top, tagOf(0x0018, 0x0088), "DS", EVR_DS},  // Spacing Between Slices
    {Ctx::Top, tagOf(0x0018, 0x9075), "CS", EVR_CS},  // Diffusion Directionality
    {Ctx::Top, tagOf(0x0018, 0x9087), "FD", EVR_FD},  // Diffusion b-value
    {Ctx::Top, tagOf(0x0018, 0x9089), "FD", EVR_FD},  // Diffusion Gradient Orientation
    {Ctx::Top, tagOf(0x0020, 0x000D), "UI", EVR_UI},  // Study Instance UID
    {Ctx::Top, tagOf(0x0020, 0x000E), "UI", EVR_UI},  // Series Instance UID
    {Ctx::Top, tagOf(0x0020, 0x0010), "SH", EVR_SH},  // Study ID
    {Ctx::Top, tagOf(0x0020, 0x0011), "IS", EVR_IS},  // Series Number
    {Ctx::Top, tagOf(0x0020, 0x0012), "IS", EVR_IS},  // Acquisition Number
    {Ctx::Top, tagOf(0x0020, 0x0013), "IS", EVR_IS},  // Instance Number
    {Ctx::Top, tagOf(0x0020, 0x0032), "DS", EVR_DS},  // Image Position (Patient)
    {Ctx::Top, tagOf(0x0020, 0x0037), "DS", EVR_DS},  // Image Orientation (Patient)
    {Ctx::Top, tagOf(0x0020, 0x0052), "UI", EVR_UI},  // Frame of Reference UID
    {Ctx::Top, tagOf(0x0020, 0x0100), "IS", EVR_IS},  // Temporal Position Identifier
    {Ctx::Top, tagOf(0x0028, 0x0002), "US", EVR_US},  // Samples per Pixel
    {Ctx::Top, tagOf(0x0028, 0x0004), "CS", EVR_CS},  // Photometric Interpretation
    {Ctx::Top, tagOf(0x0028, 0x0008), "IS", EVR_IS},  // Number of Frames
    {Ctx::Top, tagOf(0x0028, 0x0010), "US", EVR_US},  // Rows
    {Ctx::Top, tagOf(0x0028, 0x0011), "US", EVR_US},  // Columns
    {Ctx::Top, tagOf(0x0028, 0x0030), "DS", EVR_DS},  // Pixel Spacing
    {Ctx::Top, tagOf(0x0028, 0x0100), "US", EVR_US},  // Bits Allocated
    {Ctx::Top, tagOf(0x0028, 0x0101), "US", EVR_US},  // Bits Stored
    {Ctx::Top, tagOf(0x0028, 0x0102), "US", EVR_US},  // High Bit
    {Ctx::Top, tagOf(0x0028, 0x0103), "US", EVR_US},  // Pixel Representation
    {Ctx::Top, tagOf(0x0028, 0x1050), "DS", EVR_DS},  // Window Center
    {Ctx::Top, tagOf(0x0028, 0x1051), "DS", EVR_DS},  // Window Width
    {Ctx::Top, tagOf(0x0028, 0x1052), "DS", EVR_DS},  // Rescale Intercept
    {Ctx::Top, tagOf(0x0028, 0x1053), "DS", EVR_DS},  // Rescale Slope
    {Ctx::Top, tagOf(0x0028, 0x1054), "LO", EVR_LO},  // Rescale Type
    {Ctx::Top, tagOf(0x0040, 0x9096), "SQ", EVR_SQ, Ctx::RealWorldValue},    // Real World Value Mapping
    {Ctx::Top, tagOf(0x0040, 0x9224), "FD", EVR_FD},                         // Real World Value Intercept
    {Ctx::Top, tagOf(0x0040, 0x9225), "FD", EVR_FD},                         // Real World Value Slope
    {Ctx::Top, tagOf(0x5200, 0x9229), "SQ", EVR_SQ, Ctx::FunctionalGroups},  // Shared Functional Groups
    {Ctx::Top, tagOf(0x5200, 0x9230), "SQ", EVR_SQ, Ctx::FunctionalGroups},  // Per-frame Functional Groups
    {Ctx::RealWorldValue, tagOf(0x0040, 0x9224), "FD", EVR_FD},
    {Ctx::RealWorldValue, tagOf(0x0040, 0x9225), "FD", EVR_FD},
    {Ctx::FunctionalGroups, tagOf(0x0018, 0x9112), "SQ", EVR_SQ, Ctx::MrTiming},
    {Ctx::FunctionalGroups, tagOf(0x0018, 0x9114), "SQ", EVR_SQ, Ctx::MrEcho},
    {Ctx::FunctionalGroups, tagOf(0x0018, 0x9117), "SQ", EVR_SQ, Ctx::MrDiffusion},
    {Ctx::FunctionalGroups, tagOf(0x0018, 0x9226), "SQ", EVR_SQ, Ctx::FrameType},
    {Ctx::FunctionalGroups, tagOf(0x0018, 0x9329), "SQ", EVR_SQ, Ctx::FrameType},
    {Ctx::FunctionalGroups, tagOf(0x0020, 0x9111), "SQ", EVR_SQ, Ctx::FrameContent},
    {Ctx::FunctionalGroups, tagOf(0x0020, 0x9113), "SQ", EVR_SQ, Ctx::PlanePosition},
    {Ctx::FunctionalGroups, tagOf(0x0020, 0x9116), "SQ", EVR_SQ, Ctx::PlaneOrientation},
    {Ctx::FunctionalGroups, tagOf(0x0028, 0x9110), "SQ", EVR_SQ, Ctx::PixelMeasures},
    {Ctx::FunctionalGroups, tagOf(0x0028, 0x9132), "SQ", EVR_SQ, Ctx::FrameVoiLut},
    {Ctx::FunctionalGroups, tagOf(0x0028, 0x9145), "SQ", EVR_SQ, Ctx::ValueTransform},
    {Ctx::PlanePosition, tagOf(0x0020, 0x0032), "DS", EVR_DS},
    {Ctx::PlaneOrientation, tagOf(0x0020, 0x0037), "DS", EVR_DS},
    {Ctx::PixelMeasures, tagOf(0x0018, 0x0050), "DS", EVR_DS},
    {Ctx::PixelMeasures, tagOf(0x0018, 0x0088), "DS", EVR_DS},
    {Ctx::PixelMeasures, tagOf(0x0028, 0x0030), "DS", EVR_DS},
    {Ctx::ValueTransform, tagOf(0x0028, 0x1052), "DS", EVR_DS},
    {Ctx::ValueTransform, tagOf(0x0028, 0x1053), "DS", EVR_DS},
    {Ctx::ValueTransform, tagOf(0x0028, 0x1054), "LO", EVR_LO},
    {Ctx::FrameVoiLut, tagOf(0x0028, 0x1050), "DS", EVR_DS},
    {Ctx::FrameVoiLut, tagOf(0x0028, 0x1051), "DS", EVR_DS},
    {Ctx::FrameContent, tagOf(0x0018, 0x9074), "DT", EVR_DT},  // Frame Acquisition DateTime
    {Ctx::FrameContent, tagOf(0x0020, 0x9056), "SH", EVR_SH},  // Stack ID
    {Ctx::FrameContent, tagOf(0x0020, 0x9057), "UL", EVR_UL},  // In-Stack Position Number
    {Ctx::FrameContent, tagOf(0x0020, 0x9128), "UL", EVR_UL},  // Temporal Position Index
    {Ctx::FrameContent, tagOf(0x0020, 0x9156), "US", EVR_US},  // Frame Acquisition Number
    {Ctx::FrameContent, tagOf(0x0020, 0x9157), "UL", EVR_UL},  // Dimension Index Values
    {Ctx::MrEcho, tagOf(0x0018, 0x9082), "FD", EVR_FD},        // Effective Echo Time
    {Ctx::MrTiming, tagOf(0x0018, 0x0080), "DS", EVR_DS},      // Repetition Time
    {Ctx::FrameType, tagOf(0x0008, 0x9007), "CS", EVR_CS},     // Frame Type
    {Ctx::FrameType, tagOf(0x0008, 0x9208), "CS", EVR_CS},     // Complex Image Component
    {Ctx::MrDiffusion, tagOf(0x0018, 0x9075), "CS", EVR_CS},   // Diffusion Directionality
    {Ctx::MrDiffusion, tagOf(0x0018, 0x9076), "SQ", EVR_SQ, Ctx::GradientDirection},
    {Ctx::MrDiffusion, tagOf(0x0018, 0x9087), "FD", EVR_FD},  // Diffusion b-value
    {Ctx::MrDiffusion, tagOf(0x0018, 0x9601), "SQ", EVR_SQ, Ctx::BMatrix},
    {Ctx::GradientDirection, tagOf(0x0018, 0x9089), "FD", EVR_FD},
    {Ctx::BMatrix, tagOf(0x0018, 0x9602), "FD", EVR_FD},
    {Ctx::BMatrix, tagOf(0x0018, 0x9603), "FD", EVR_FD},
    {Ctx::BMatrix, tagOf(0x0018, 0x9604), "FD", EVR_FD},
    {Ctx::BMatrix, tagOf(0x0018, 0x9605), "FD", EVR_FD},
    {Ctx::BMatrix, tagOf(0x0018, 0x9606), "FD", EVR_FD},
    {Ctx::BMatrix, tagOf(0x0018, 0x9607), "FD", EVR_FD},
};

const Kept* keptEntry(Ctx ctx, std::uint32_t tag) {
  if (ctx == Ctx::None) return nullptr;
  for (const Kept& k : kKept)
    if (k.tag == tag && k.ctx == ctx) return &k;
  return nullptr;
}

// Philips private elements readDiffusion and philipsPreciseScale read at the top level:
// (2001,xx03/xx04) of "Philips Imaging DD 001", (2005,xx0E/xxB0/xxB1/xxB2) of "Philips MR
// Imaging DD 001". Kept by group and element offset whatever block they are in (an element of
// another creator's block is never found by findPrivate, so keeping it changes nothing), with
// every private creator (gggg,0010-00FF) of these groups.
bool philipsGroup(std::uint16_t group) { return group == 0x2001 || group == 0x2005; }
bool keptPhilipsOffset(std::uint16_t group, std::uint8_t offset) {
  if (group == 0x2001) return offset == 0x03 || offset == 0x04;
  return offset == 0x0E || offset == 0xB0 || offset == 0xB1 || offset == 0xB2;
}

// VRs DCMTK 3.6.7 knows; the long form has 2 reserved bytes and a 32-bit length.
bool knownVr(const char* vr, bool& longForm) {
  static const char* const kShort[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO",
                                       "LT", "PN", "SH", "SL", "SS", "ST", "TM", "UI", "UL", "US"};
  static const char* const kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
  for (const char* v : kShort)
    if (vr[0] == v[0] && vr[1] == v[1]) {
      longForm = false;
      return true;
    }
  for (const char* v : kLong)
    if (vr[0] == v[0] && vr[1] == v[1]) {
      longForm = true;
      return true;
    }
  return false;
}

// Tags DCMTK's dictionary calls sequences: an implicit VR element with one of them is a
// sequence to DCMTK whatever its bytes, so we must parse (and check) it as one.
struct SequenceTags {
  std::unordered_set<std::uint32_t> standard;
  std::unordered_set<std::uint32_t> privateLow;  // (group << 16) | (element & 0xFF)
  std::vector<const DcmDictEntry*> repeating;
};

const SequenceTags& sequenceTags() {
  static SequenceTags tags;
  static std::once_flag once;
  std::call_once(once, [] {
    DcmDataDictionary& dict = dcmDataDict.wrlock();
    for (DcmHashDictIterator it = dict.normalBegin(); it != dict.normalEnd(); ++it) {
      const DcmDictEntry* e = *it;
      if (!e || e->getEVR() != EVR_SQ) continue;
      if (e->getPrivateCreator())
        tags.privateLow.insert(tagOf(e->getGroup(), static_cast<std::uint16_t>(e->getElement() & 0xFF)));
      else
        tags.standard.insert(tagOf(e->getGroup(), e->getElement()));
    }
    for (DcmDictEntryListIterator it = dict.repeatingBegin(); it != dict.repeatingEnd(); ++it)
      if (*it && (*it)->getEVR() == EVR_SQ) tags.repeating.push_back(*it);
    dcmDataDict.wrunlock();
  });
  return tags;
}

bool dictionarySaysSequence(std::uint32_t tag) {
  const SequenceTags& s = sequenceTags();
  const auto g = static_cast<std::uint16_t>(tag >> 16), e = static_cast<std::uint16_t>(tag & 0xFFFF);
  if (s.standard.count(tag)) return true;
  if ((g & 1) && e >= 0x1000 && s.privateLow.count(tagOf(g, e & 0xFF))) return true;
  for (const DcmDictEntry* r : s.repeating)
    if (g >= r->getGroup() && g <= r->getUpperGroup() && e >= r->getElement() && e <= r->getUpperElement())
      return true;
  return false;
}

struct Element {
  std::uint32_t tag = 0;
  char vr[3] = {0, 0, 0};  // explicit VR only
  std::uint32_t length = 0;
  std::size_t valuePos = 0;
};

class Parser {
 public:
  Parser(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}

  std::unique_ptr<DcmFileFormat> run() {
    if (m_size < 132 || std::memcmp(m_data + 128, "DICM", 4) != 0) return decline("no DICM preamble");
    m_pos = 132;
    auto ff = std::make_unique<DcmFileFormat>();
    if (!readMeta(*ff->getMetaInfo())) return nullptr;
    if (!readDataset(*ff->getDataset())) return nullptr;
    return ff;
  }

  std::string why;
  bool shortOfData = false;  // the first reason to decline was running out of bytes

 private:
  std::unique_ptr<DcmFileFormat> decline(const std::string& reason) {
    if (why.empty()) why = reason;
    return nullptr;
  }
  bool fail(const std::string& reason) {
    if (why.empty()) why = reason;
    return false;
  }
  // Declines because the header goes on past the bytes given: more bytes may help.
  bool ranShort(const char* reason) {
    if (why.empty()) shortOfData = true;
    return fail(reason);
  }

  std::uint16_t u16(std::size_t p) const { return static_cast<std::uint16_t>(m_data[p] | (m_data[p + 1] << 8)); }
  std::uint32_t u32(std::size_t p) const {
    return std::uint32_t(m_data[p]) | (std::uint32_t(m_data[p + 1]) << 8) | (std::uint32_t(m_data[p + 2]) << 16) |
           (std::uint32_t(m_data[p + 3]) << 24);
  }
  bool have(std::size_t n) const { return m_pos <= m_size && m_size - m_pos >= n; }

  // Reads one element's tag, VR and length at m_pos and moves to its value.
  bool readElementHeader(bool explicitVr, Element& el) {
    if (!have(8)) return ranShort("header runs past the data read");
    el.tag = tagOf(u16(m_pos), u16(m_pos + 2));
    if ((el.tag >> 16) == 0xFFFE) {  // item and delimiters: tag and 32-bit length, never a VR
      el.vr[0] = el.vr[1] = 0;
      el.length = u32(m_pos + 4);
      m_pos += 8;
      el.valuePos = m_pos;
      return true;
    }
    if (!explicitVr) {
      el.vr[0] = el.vr[1] = 0;
      el.length = u32(m_pos + 4);
      m_pos += 8;
    } else {
      el.vr[0] = static_cast<char>(m_data[m_pos + 4]);
      el.vr[1] = static_cast<char>(m_data[m_pos + 5]);
      bool longForm = false;
      if (!knownVr(el.vr, longForm)) return fail("unknown VR");
      if (longForm) {
        if (!have(12)) return ranShort("header runs past the data read");
        if (u16(m_pos + 6) != 0) return fail("non-zero reserved bytes");
        el.length = u32(m_pos + 8);
        m_pos += 12;
      } else {
        el.length = u16(m_pos + 6);
        m_pos += 8;
      }
    }
    el.valuePos = m_pos;
    return true;
  }

  bool skipValue(const Element& el) {
    if (el.length == kUndefined) return fail("undefined length outside a sequence");
    if (!have(el.length)) return ranShort("header runs past the data read");
    m_pos += el.length;
    return true;
  }

  bool readMeta(DcmMetaInfo& meta) {
    Element el;
    if (!readElementHeader(true, el)) return false;
    if (el.tag != tagOf(0x0002, 0x0000) || std::memcmp(el.vr, "UL", 2) != 0 || el.length != 4 || !have(4))
      return fail("meta header without a group length first");
    const std::size_t end = m_pos + 4 + std::size_t(u32(m_pos));
    m_pos += 4;
    if (end > m_size) return ranShort("meta header runs past the data read");
    std::uint32_t last = el.tag;
    while (m_pos < end) {
      if (!readElementHeader(true, el)) return false;
      if ((el.tag >> 16) != 0x0002 || el.tag <= last) return fail("unexpected element in the meta header");
      last = el.tag;
      if (el.vr[0] == 'S' && el.vr[1] == 'Q') return fail("sequence in the meta header");
      const std::size_t valuePos = m_pos;
      if (!skipValue(el)) return false;
      if (el.tag == tagOf(0x0002, 0x0002) || el.tag == tagOf(0x0002, 0x0003) || el.tag == tagOf(0x0002, 0x0010)) {
        if (std::memcmp(el.vr, "UI", 2) != 0 || el.length > kMaxKeptValue || (el.length & 1))
          return fail("unusual meta element");
        if (!keep(meta, el.tag, EVR_UI, valuePos, el.length)) return false;
        if (el.tag == tagOf(0x0002, 0x0010)) m_transferSyntax = trimmedString(valuePos, el.length);
      }
    }
    if (m_pos != end) return fail("meta group length does not match its elements");
    if (have(2) && u16(m_pos) == 0x0002) return fail("meta elements after the meta group length");
    if (m_transferSyntax.empty()) return fail("no transfer syntax");
    const DcmXfer xfer(m_transferSyntax.c_str());
    if (xfer.getXfer() == EXS_Unknown || m_transferSyntax != xfer.getXferID())
      return fail("transfer syntax unknown to DCMTK");
    if (!xfer.isLittleEndian() || xfer.getStreamCompression() != ESC_none)
      return fail("big endian or deflated transfer syntax");
    m_explicit = xfer.isExplicitVR();
    return true;
  }

  std::string trimmedString(std::size_t pos, std::size_t len) const {
    std::string s(reinterpret_cast<const char*>(m_data + pos), len);
    s = s.substr(0, s.find('\0'));
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }

  template <class T>
  std::vector<T> valuesOf(std::size_t pos, std::uint32_t length) const {
    std::vector<T> values(length / sizeof(T));
    if (!values.empty()) std::memcpy(values.data(), m_data + pos, values.size() * sizeof(T));  // little-endian host
    return values;
  }

  // Adds one kept attribute to `item` as a DCMTK element built from the value's bytes.
  bool keep(DcmItem& item, std::uint32_t tag, DcmEVR evr, std::size_t pos, std::uint32_t length) {
    DcmElement* element = nullptr;
    const DcmTag dcmTag(DcmTagKey(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF)), DcmVR(evr));
    if (DcmItem::newDicomElementWithVR(element, dcmTag).bad() || !element) return fail("cannot create an element");
    OFCondition cond = EC_Normal;
    const auto count = [&](std::size_t width) {
      if (length % width) cond = EC_CorruptedData;
      return static_cast<unsigned long>(length / width);
    };
    switch (evr) {
      case EVR_US: {
        const auto v = valuesOf<Uint16>(pos, length);
        const unsigned long n = count(2);
        if (cond.good()) cond = element->putUint16Array(v.data(), n);
        break;
      }
      case EVR_SS: {
        const auto v = valuesOf<Sint16>(pos, length);
        const unsigned long n = count(2);
        if (cond.good()) cond = element->putSint16Array(v.data(), n);
        break;
      }
      case EVR_UL: {
        const auto v = valuesOf<Uint32>(pos, length);
        const unsigned long n = count(4);
        if (cond.good()) cond = element->putUint32Array(v.data(), n);
        break;
      }
      case EVR_SL: {
        const auto v = valuesOf<Sint32>(pos, length);
        const unsigned long n = count(4);
        if (cond.good()) cond = element->putSint32Array(v.data(), n);
        break;
      }
      case EVR_FL: {
        const auto v = valuesOf<Float32>(pos, length);
        const unsigned long n = count(4);
        if (cond.good()) cond = element->putFloat32Array(v.data(), n);
        break;
      }
      case EVR_FD: {
        const auto v = valuesOf<Float64>(pos, length);
        const unsigned long n = count(8);
        if (cond.good()) cond = element->putFloat64Array(v.data(), n);
        break;
      }
      case EVR_OB:
      case EVR_UN: cond = element->putUint8Array(m_data + pos, length); break;
      default:
        if (!isStringVr(evr)) return fail("cannot keep an element of this VR");
        cond = element->putString(reinterpret_cast<const char*>(m_data + pos), length);
    }
    if (cond.good()) cond = item.insert(element, OFFalse, OFTrue);
    if (cond.bad()) {
      delete element;
      return fail("cannot keep an element");
    }
    return true;
  }

  // A creator's name as findPrivate compares it (elementText: surrounding blanks and NULs off).
  std::string trimmedCreator(std::size_t pos, std::size_t len) const {
    std::string v(reinterpret_cast<const char*>(m_data + pos), len);
    const char* blanks = " \t\r\n";
    const auto isBlank = [&](char c) { return c == '\0' || std::strchr(blanks, c) != nullptr; };
    while (!v.empty() && isBlank(v.back())) v.pop_back();
    std::size_t first = 0;
    while (first < v.size() && isBlank(v[first])) ++first;
    return v.substr(first);
  }

  static bool isStringVr(DcmEVR evr) {
    switch (evr) {
      case EVR_AE: case EVR_AS: case EVR_CS: case EVR_DA: case EVR_DS: case EVR_DT: case EVR_IS: case EVR_LO:
      case EVR_LT: case EVR_PN: case EVR_SH: case EVR_ST: case EVR_TM: case EVR_UC: case EVR_UI: case EVR_UR:
      case EVR_UT:
        return true;
      default:
        return false;
    }
  }

  // A Philips private element at the top level (explicit VR only: in implicit VR its VR would
  // come from DCMTK's private dictionary). m_pos is at its value; the value is skipped.
  bool readPhilipsPrivate(DcmItem& ds, const Element& el) {
    if (!m_explicit) return fail("vendor private tags in implicit VR");
    const auto group = static_cast<std::uint16_t>(el.tag >> 16), element = static_cast<std::uint16_t>(el.tag & 0xFFFF);
    const bool creator = element >= 0x0010 && element <= 0x00FF;
    const bool kept = creator || (element >= 0x1000 && keptPhilipsOffset(group, static_cast<std::uint8_t>(element & 0xFF)));
    if (group != m_creatorGroup) {
      m_creatorGroup = group;
      m_creators.fill(std::string());
    }
    if (kept && !creator && isSequence(el)) {
      // A sequence at a kept offset in another creator's block (Philips MR Imaging DD 005 has
      // some) is never read; in the block we read, DCMTK would hand us a sequence: decline.
      const char* wanted = group == 0x2001 ? "Philips Imaging DD 001" : "Philips MR Imaging DD 001";
      if (m_creators[element >> 8] == wanted) return fail("a kept private element encoded as a sequence");
      return readSequence(el, 1, nullptr, Ctx::None);
    }
    if (!kept) return isSequence(el) ? readSequence(el, 1, nullptr, Ctx::None) : skipValue(el);
    if (isSequence(el)) return fail("a private creator encoded as a sequence");
    const std::size_t valuePos = m_pos;
    if (!skipValue(el)) return false;
    if (creator && std::memcmp(el.vr, "LO", 2) != 0) return fail("private creator that is not LO");
    if (creator) m_creators[element] = trimmedCreator(valuePos, el.length);
    if (el.length > kMaxKeptValue) return fail("unusual length for a kept attribute");
    const DcmVR vr(el.vr);
    if (vr.getEVR() == EVR_UNKNOWN || vr.getEVR() == EVR_UNKNOWN2B) return fail("unknown VR");
    return keep(ds, el.tag, vr.getEVR(), valuePos, el.length);
  }

  // One element of `target` (the dataset or a kept item, context `ctx`; null: nothing is kept
  // here) at m_pos's value: a sequence is walked (and kept when it is one we read), a kept
  // value is added, anything else skipped.
  bool readElement(const Element& el, int depth, DcmItem* target, Ctx ctx) {
    const Kept* k = target ? keptEntry(ctx, el.tag) : nullptr;
    if (isSequence(el)) {
      if (k && k->evr != EVR_SQ) return fail("a kept attribute encoded as a sequence");
      if (!k) return readSequence(el, depth, nullptr, Ctx::None);
      auto seq = std::make_unique<DcmSequenceOfItems>(
          DcmTag(DcmTagKey(static_cast<Uint16>(el.tag >> 16), static_cast<Uint16>(el.tag & 0xFFFF)), DcmVR(EVR_SQ)));
      if (!readSequence(el, depth, seq.get(), k->items)) return false;
      if (target->insert(seq.get(), OFFalse, OFTrue).bad()) return fail("cannot keep a sequence");
      seq.release();
      return true;
    }
    if (k && k->evr == EVR_SQ) return fail("a kept sequence encoded as a value");
    const std::size_t valuePos = m_pos;
    if (!skipValue(el)) return false;
    if (k) {
      if (m_explicit && std::memcmp(el.vr, k->vr, 2) != 0) return fail("unexpected VR for a kept attribute");
      if (el.length > kMaxKeptValue || (el.length & 1)) return fail("unusual length for a kept attribute");
      if (!keep(*target, el.tag, k->evr, valuePos, el.length)) return false;
    }
    return true;
  }

  bool readDataset(DcmDataset& ds) {
    std::uint32_t last = 0;
    bool first = true;
    bool philips = false;
    while (true) {
      if (m_pos == m_size) return ranShort("no Pixel Data in the data read");
      Element el;
      if (!readElementHeader(m_explicit, el)) return false;
      if (el.tag == tagOf(0x7FE0, 0x0010)) break;  // DCMTK's header parse stops here too
      if (!first && el.tag <= last) return fail("elements out of order or repeated");
      first = false;
      last = el.tag;
      const std::uint16_t group = static_cast<std::uint16_t>(el.tag >> 16);
      if (group == 0x0000 || group == 0x0002 || group == 0xFFFE || group == 0xFFFF || group == 0x0001 ||
          group == 0x0003 || group == 0x0005 || group == 0x0007)
        return fail("unusual group in the dataset");
      // Siemens CSA / MR header (mosaic, diffusion), GE acquisition: DCMTK reads those.
      if (group == 0x0019 || group == 0x0029) return fail("private group 0019/0029 (Siemens CSA, GE acquisition)");
      if (philipsGroup(group)) {
        philips = true;
        if (!readPhilipsPrivate(ds, el)) return false;
        continue;
      }
      if (!readElement(el, 1, &ds, Ctx::Top)) return false;
    }
    // What sliceHeaderFrom() treats specially is left to DCMTK.
    if (!ds.tagExists(DcmTagKey(0x0028, 0x0010)) || !ds.tagExists(DcmTagKey(0x0028, 0x0011)))
      return fail("no Rows/Columns");
    OFString maker;
    if (ds.findAndGetOFStringArray(DcmTagKey(0x0008, 0x0070), maker).good()) {
      std::string upper(maker.c_str());
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      // GE's diffusion tags (0043) are not kept. Siemens files reach here only without groups
      // 0019/0029 (no CSA header, no mosaic), Philips with the private elements they need.
      if (upper.find("GE") != std::string::npos && upper.find("SIEMENS") == std::string::npos)
        return fail("vendor private headers (" + upper + ")");
    } else if (philips) {
      return fail("Philips private groups without a Manufacturer");
    }
    return true;
  }

  // Whether DCMTK reads this element as a sequence.
  bool isSequence(const Element& el) const {
    if (m_explicit) return el.vr[0] == 'S' && el.vr[1] == 'Q';
    if (el.length == kUndefined) return true;
    if (dictionarySaysSequence(el.tag)) return true;
    // Not a sequence to DCMTK, but if its bytes are items we check them anyway: a
    // sequence DCMTK would parse through its private dictionary must not pass unchecked.
    return el.length >= 8 && have(8) && u16(m_pos) == 0xFFFE && u16(m_pos + 2) == 0xE000;
  }

  // m_pos is at the value of sequence `seq`; parses its items, checking their elements. With a
  // `target`, every item is added to it (empty ones too: the item count is read), keeping the
  // attributes of context `ctx`.
  bool readSequence(const Element& seq, int depth, DcmSequenceOfItems* target, Ctx ctx) {
    if (depth > kMaxDepth) return fail("sequences nested too deeply");
    const bool defined = seq.length != kUndefined;
    if (defined && !have(seq.length)) return ranShort("sequence runs past the data read");
    const std::size_t end = defined ? m_pos + seq.length : 0;
    while (true) {
      if (defined && m_pos == end) return true;
      Element item;
      if (!readElementHeader(m_explicit, item)) return false;
      if (item.tag == tagOf(0xFFFE, 0xE0DD)) {
        if (defined || item.length != 0) return fail("unexpected sequence delimiter");
        return true;
      }
      // Also refuses a private element DCMTK's dictionary calls a sequence but whose bytes are not.
      if (item.tag != tagOf(0xFFFE, 0xE000)) return fail("sequence without items");
      std::unique_ptr<DcmItem> kept;
      if (target) kept = std::make_unique<DcmItem>();
      if (!readItem(item, depth, kept.get(), ctx)) return false;
      if (defined && m_pos > end) return fail("item runs past its sequence");
      if (target) {
        if (target->append(kept.get()).bad()) return fail("cannot keep an item");
        kept.release();
      }
    }
  }

  bool readItem(const Element& item, int depth, DcmItem* target, Ctx ctx) {
    const bool defined = item.length != kUndefined;
    if (defined && !have(item.length)) return ranShort("item runs past the data read");
    const std::size_t end = defined ? m_pos + item.length : 0;
    std::uint32_t last = 0;
    bool first = true;
    while (true) {
      if (defined && m_pos == end) return true;
      if (defined && m_pos > end) return fail("element runs past its item");
      Element el;
      if (!readElementHeader(m_explicit, el)) return false;
      if (el.tag == tagOf(0xFFFE, 0xE00D)) {
        if (defined || el.length != 0) return fail("unexpected item delimiter");
        return true;
      }
      if ((el.tag >> 16) == 0xFFFE || (el.tag >> 16) == 0x0002 || (el.tag >> 16) == 0x0000)
        return fail("unexpected element in an item");
      if (!first && el.tag <= last) return fail("item elements out of order or repeated");
      first = false;
      last = el.tag;
      if (el.tag == tagOf(0x7FE0, 0x0010) && el.length == kUndefined)
        return fail("encapsulated pixel data in an item");
      if (!readElement(el, depth + 1, target, ctx)) return false;
    }
  }

  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
  bool m_explicit = true;
  std::string m_transferSyntax;
  std::uint16_t m_creatorGroup = 0;         // the private group m_creators belongs to
  std::array<std::string, 256> m_creators;  // its creators by block (gggg,00bb), trimmed
};

}  // namespace

std::unique_ptr<DcmFileFormat> parseHeaderFast(const std::uint8_t* data, std::size_t size, std::string* why,
                                               bool* needMore) {
  Parser parser(data, size);
  auto ff = parser.run();
  if (!ff && why) *why = parser.why;
  if (needMore) *needMore = !ff && parser.shortOfData;
  return ff;
}

}  // namespace fw::dicom::detail
