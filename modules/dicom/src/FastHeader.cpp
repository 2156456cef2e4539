#include "FastHeader.h"

#include <algorithm>
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
#include <dcmtk/dcmdata/dcxfer.h>

namespace fw::dicom::detail {

namespace {

constexpr std::uint32_t kUndefined = 0xFFFFFFFFu;
// As readSliceHeader: longer values are not loaded by DCMTK's header parse; we do not keep them.
constexpr std::uint32_t kMaxKeptValue = 4096;
constexpr int kMaxDepth = 12;

constexpr std::uint32_t tagOf(std::uint16_t g, std::uint16_t e) { return (std::uint32_t(g) << 16) | e; }

// An attribute sliceHeaderFrom() reads from a classic file's top level, with its VR.
struct Kept {
  std::uint32_t tag;
  char vr[3];
  DcmEVR evr;
};

// Every top-level attribute sliceHeaderFrom() (with readDiffusion for other manufacturers,
// readMosaic and philipsPreciseScale) reads from a classic file. tests/dicom/FastHeaderTest.cpp
// compares the result with DCMTK's on every file we have.
constexpr Kept kKept[] = {
    {tagOf(0x0008, 0x0005), "CS", EVR_CS},  // Specific Character Set
    {tagOf(0x0008, 0x0008), "CS", EVR_CS},  // Image Type
    {tagOf(0x0008, 0x0016), "UI", EVR_UI},  // SOP Class UID
    {tagOf(0x0008, 0x0018), "UI", EVR_UI},  // SOP Instance UID
    {tagOf(0x0008, 0x0020), "DA", EVR_DA},  // Study Date
    {tagOf(0x0008, 0x002A), "DT", EVR_DT},  // Acquisition DateTime
    {tagOf(0x0008, 0x0030), "TM", EVR_TM},  // Study Time
    {tagOf(0x0008, 0x0031), "TM", EVR_TM},  // Series Time
    {tagOf(0x0008, 0x0032), "TM", EVR_TM},  // Acquisition Time
    {tagOf(0x0008, 0x0050), "SH", EVR_SH},  // Accession Number
    {tagOf(0x0008, 0x0060), "CS", EVR_CS},  // Modality
    {tagOf(0x0008, 0x0070), "LO", EVR_LO},  // Manufacturer
    {tagOf(0x0008, 0x1030), "LO", EVR_LO},  // Study Description
    {tagOf(0x0008, 0x103E), "LO", EVR_LO},  // Series Description
    {tagOf(0x0010, 0x0010), "PN", EVR_PN},  // Patient's Name
    {tagOf(0x0010, 0x0020), "LO", EVR_LO},  // Patient ID
    {tagOf(0x0010, 0x0030), "DA", EVR_DA},  // Patient's Birth Date
    {tagOf(0x0010, 0x0040), "CS", EVR_CS},  // Patient's Sex
    {tagOf(0x0018, 0x0050), "DS", EVR_DS},  // Slice Thickness
    {tagOf(0x0018, 0x0080), "DS", EVR_DS},  // Repetition Time
    {tagOf(0x0018, 0x0081), "DS", EVR_DS},  // Echo Time
    {tagOf(0x0018, 0x0086), "IS", EVR_IS},  // Echo Numbers
    {tagOf(0x0018, 0x0088), "DS", EVR_DS},  // Spacing Between Slices
    {tagOf(0x0018, 0x9075), "CS", EVR_CS},  // Diffusion Directionality
    {tagOf(0x0018, 0x9087), "FD", EVR_FD},  // Diffusion b-value
    {tagOf(0x0018, 0x9089), "FD", EVR_FD},  // Diffusion Gradient Orientation
    {tagOf(0x0020, 0x000D), "UI", EVR_UI},  // Study Instance UID
    {tagOf(0x0020, 0x000E), "UI", EVR_UI},  // Series Instance UID
    {tagOf(0x0020, 0x0010), "SH", EVR_SH},  // Study ID
    {tagOf(0x0020, 0x0011), "IS", EVR_IS},  // Series Number
    {tagOf(0x0020, 0x0012), "IS", EVR_IS},  // Acquisition Number
    {tagOf(0x0020, 0x0013), "IS", EVR_IS},  // Instance Number
    {tagOf(0x0020, 0x0032), "DS", EVR_DS},  // Image Position (Patient)
    {tagOf(0x0020, 0x0037), "DS", EVR_DS},  // Image Orientation (Patient)
    {tagOf(0x0020, 0x0052), "UI", EVR_UI},  // Frame of Reference UID
    {tagOf(0x0020, 0x0100), "IS", EVR_IS},  // Temporal Position Identifier
    {tagOf(0x0028, 0x0002), "US", EVR_US},  // Samples per Pixel
    {tagOf(0x0028, 0x0004), "CS", EVR_CS},  // Photometric Interpretation
    {tagOf(0x0028, 0x0008), "IS", EVR_IS},  // Number of Frames
    {tagOf(0x0028, 0x0010), "US", EVR_US},  // Rows
    {tagOf(0x0028, 0x0011), "US", EVR_US},  // Columns
    {tagOf(0x0028, 0x0030), "DS", EVR_DS},  // Pixel Spacing
    {tagOf(0x0028, 0x0100), "US", EVR_US},  // Bits Allocated
    {tagOf(0x0028, 0x0101), "US", EVR_US},  // Bits Stored
    {tagOf(0x0028, 0x0102), "US", EVR_US},  // High Bit
    {tagOf(0x0028, 0x0103), "US", EVR_US},  // Pixel Representation
    {tagOf(0x0028, 0x1050), "DS", EVR_DS},  // Window Center
    {tagOf(0x0028, 0x1051), "DS", EVR_DS},  // Window Width
    {tagOf(0x0028, 0x1052), "DS", EVR_DS},  // Rescale Intercept
    {tagOf(0x0028, 0x1053), "DS", EVR_DS},  // Rescale Slope
    {tagOf(0x0028, 0x1054), "LO", EVR_LO},  // Rescale Type
};

const Kept* keptEntry(std::uint32_t tag) {
  for (const Kept& k : kKept)
    if (k.tag == tag) return &k;
  return nullptr;
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

 private:
  std::unique_ptr<DcmFileFormat> decline(const std::string& reason) {
    if (why.empty()) why = reason;
    return nullptr;
  }
  bool fail(const std::string& reason) {
    if (why.empty()) why = reason;
    return false;
  }

  std::uint16_t u16(std::size_t p) const { return static_cast<std::uint16_t>(m_data[p] | (m_data[p + 1] << 8)); }
  std::uint32_t u32(std::size_t p) const {
    return std::uint32_t(m_data[p]) | (std::uint32_t(m_data[p + 1]) << 8) | (std::uint32_t(m_data[p + 2]) << 16) |
           (std::uint32_t(m_data[p + 3]) << 24);
  }
  bool have(std::size_t n) const { return m_pos <= m_size && m_size - m_pos >= n; }

  // Reads one element's tag, VR and length at m_pos and moves to its value.
  bool readElementHeader(bool explicitVr, Element& el) {
    if (!have(8)) return fail("header runs past the data read");
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
        if (!have(12)) return fail("header runs past the data read");
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
    if (!have(el.length)) return fail("header runs past the data read");
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
    if (end > m_size) return fail("meta header runs past the data read");
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

  // Adds one kept attribute to `item` as a DCMTK element built from the value's bytes.
  bool keep(DcmItem& item, std::uint32_t tag, DcmEVR evr, std::size_t pos, std::uint32_t length) {
    DcmElement* element = nullptr;
    const DcmTag dcmTag(DcmTagKey(static_cast<Uint16>(tag >> 16), static_cast<Uint16>(tag & 0xFFFF)), DcmVR(evr));
    if (DcmItem::newDicomElementWithVR(element, dcmTag).bad() || !element) return fail("cannot create an element");
    OFCondition cond = EC_Normal;
    if (evr == EVR_US) {
      if (length % 2) cond = EC_CorruptedData;
      std::vector<Uint16> values(length / 2);
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = u16(pos + 2 * i);
      if (cond.good()) cond = element->putUint16Array(values.data(), static_cast<unsigned long>(values.size()));
    } else if (evr == EVR_FD) {
      if (length % 8) cond = EC_CorruptedData;
      std::vector<Float64> values(length / 8);
      if (!values.empty()) std::memcpy(values.data(), m_data + pos, values.size() * 8);  // little-endian host
      if (cond.good()) cond = element->putFloat64Array(values.data(), static_cast<unsigned long>(values.size()));
    } else {
      cond = element->putString(reinterpret_cast<const char*>(m_data + pos), length);
    }
    if (cond.good()) cond = item.insert(element, OFFalse, OFTrue);
    if (cond.bad()) {
      delete element;
      return fail("cannot keep an element");
    }
    return true;
  }

  bool readDataset(DcmDataset& ds) {
    std::uint32_t last = 0;
    bool first = true;
    while (true) {
      if (m_pos == m_size) return fail("no Pixel Data in the data read");
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
      // Siemens CSA / MR header (mosaic, diffusion) and enhanced multi-frame: DCMTK reads those.
      if (group == 0x0019 || group == 0x0029) return fail("private group 0019/0029 (Siemens CSA, GE acquisition)");
      if (el.tag == tagOf(0x5200, 0x9229) || el.tag == tagOf(0x5200, 0x9230))
        return fail("enhanced multi-frame functional groups");
      const Kept* k = keptEntry(el.tag);
      if (isSequence(el)) {
        if (k) return fail("a kept attribute encoded as a sequence");
        if (!readSequence(el, 1)) return false;
        continue;
      }
      const std::size_t valuePos = m_pos;
      if (!skipValue(el)) return false;
      if (k) {
        if (m_explicit && std::memcmp(el.vr, k->vr, 2) != 0) return fail("unexpected VR for a kept attribute");
        if (el.length > kMaxKeptValue || (el.length & 1)) return fail("unusual length for a kept attribute");
        if (!keep(ds, el.tag, k->evr, valuePos, el.length)) return false;
      }
    }
    // What sliceHeaderFrom() treats specially is left to DCMTK.
    if (!ds.tagExists(DcmTagKey(0x0028, 0x0010)) || !ds.tagExists(DcmTagKey(0x0028, 0x0011)))
      return fail("no Rows/Columns");
    OFString maker;
    if (ds.findAndGetOFStringArray(DcmTagKey(0x0008, 0x0070), maker).good()) {
      std::string upper(maker.c_str());
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      if (upper.find("SIEMENS") != std::string::npos || upper.find("PHILIPS") != std::string::npos ||
          upper.find("GE") != std::string::npos)
        return fail("vendor private headers (" + upper + ")");
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

  // m_pos is at the value of sequence `seq`; parses its items (elements checked, nothing kept).
  bool readSequence(const Element& seq, int depth) {
    if (depth > kMaxDepth) return fail("sequences nested too deeply");
    const bool defined = seq.length != kUndefined;
    if (defined && !have(seq.length)) return fail("sequence runs past the data read");
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
      if (!readItem(item, depth)) return false;
      if (defined && m_pos > end) return fail("item runs past its sequence");
    }
  }

  bool readItem(const Element& item, int depth) {
    const bool defined = item.length != kUndefined;
    if (defined && !have(item.length)) return fail("item runs past the data read");
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
      if (isSequence(el)) {
        if (!readSequence(el, depth + 1)) return false;
        continue;
      }
      if (!skipValue(el)) return false;
    }
  }

  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
  bool m_explicit = true;
  std::string m_transferSyntax;
};

}  // namespace

std::unique_ptr<DcmFileFormat> parseHeaderFast(const std::uint8_t* data, std::size_t size, std::string* why) {
  Parser parser(data, size);
  auto ff = parser.run();
  if (!ff && why) *why = parser.why;
  return ff;
}

}  // namespace fw::dicom::detail
