// ITK transform files. A linear transform is written as AffineTransform_double_3_3 (read by 3D
// Slicer, ANTs, ITK-SNAP, plastimatch; an Euler3DTransform's angle order is a common source of
// confusion, a matrix is not), a chain with displacement fields as a CompositeTransform of
// AffineTransform_double_3_3 and DisplacementFieldTransform_double_3_3. ITK's composite applies
// its last-added transform first, so our stages (first applied first) are added last to first.
#include "fw/registration/TransformIO.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <mutex>
#include <random>
#include <system_error>

#include <itkCompositeTransform.h>
#include <itkDisplacementFieldTransform.h>
#include <itkHDF5TransformIOFactory.h>
#include <itkMatlabTransformIOFactory.h>
#include <itkTransformFactory.h>
#include <itkTransformFileReader.h>
#include <itkTransformFileWriter.h>
#include <itkTxtTransformIOFactory.h>
#include <unistd.h>

#include "ItkImages.h"
#include "fw/core/Error.h"

namespace fw::registration {

namespace {

namespace fs = std::filesystem;
using ItkTransform = itk::Transform<double, 3, 3>;
using Composite = itk::CompositeTransform<double, 3>;
using FieldTransform = itk::DisplacementFieldTransform<double, 3>;
using FieldImage = FieldTransform::DisplacementFieldType;

void registerFactories() {
  static std::once_flag once;
  std::call_once(once, [] {
    itk::TxtTransformIOFactory::RegisterOneFactory();
    itk::HDF5TransformIOFactory::RegisterOneFactory();
    itk::MatlabTransformIOFactory::RegisterOneFactory();
    itk::TransformFactory<detail::ItkAffine>::RegisterTransform();
    itk::TransformFactory<detail::ItkEuler>::RegisterTransform();
    itk::TransformFactory<Composite>::RegisterTransform();
    itk::TransformFactory<FieldTransform>::RegisterTransform();
  });
}

bool knownExtension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".tfm" || ext == ".txt" || ext == ".h5" || ext == ".hdf5" || ext == ".mat";
}

std::string randomTag() {
  static std::atomic<unsigned> counter{0};
  std::mt19937 rng(static_cast<unsigned>(
      std::chrono::steady_clock::now().time_since_epoch().count() ^ (getpid() << 16) ^ counter++));
  static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 8; ++i) s += chars[rng() % 36];
  return s;
}

ItkTransform::Pointer toItk(const Transform::Stage& stage) {
  if (const auto* a = std::get_if<Affine>(&stage)) {
    detail::ItkAffine::Pointer t = detail::toItkAffine(*a);
    return t.GetPointer();
  }
  const auto& field = *std::get<std::shared_ptr<const DisplacementField>>(stage);
  FieldImage::Pointer image = core::allocateImage<FieldImage>(field.grid());
  const std::vector<float>& d = field.data();
  FieldImage::PixelType* px = image->GetBufferPointer();
  for (std::size_t v = 0; v < field.grid().voxelCount(); ++v)
    for (unsigned c = 0; c < 3; ++c) px[v][c] = d[3 * v + c];
  FieldTransform::Pointer t = FieldTransform::New();
  t->SetDisplacementField(image);
  return t.GetPointer();
}

Transform fromItk(const ItkTransform* t, const fs::path& file) {
  if (const auto* composite = dynamic_cast<const Composite*>(t)) {
    Transform out;
    // ITK applies the last transform of the queue first.
    for (std::size_t i = composite->GetNumberOfTransforms(); i-- > 0;)
      out = out.then(fromItk(composite->GetNthTransformConstPointer(static_cast<unsigned>(i)), file));
    return out;
  }
  if (const auto* linear = dynamic_cast<const detail::ItkLinear*>(t)) {
    return Transform(detail::fromItk(*linear));
  }
  if (const auto* fieldT = dynamic_cast<const FieldTransform*>(t)) {
    const FieldImage* image = fieldT->GetDisplacementField();
    if (!image) throw core::Error("displacement field transform without a field");
    const core::ImageGeometry g = core::geometryOf(*image);
    std::vector<float> xyz(3 * g.voxelCount());
    const FieldImage::PixelType* px = image->GetBufferPointer();
    for (std::size_t v = 0; v < g.voxelCount(); ++v)
      for (unsigned c = 0; c < 3; ++c) xyz[3 * v + c] = static_cast<float>(px[v][c]);
    return Transform(std::make_shared<const DisplacementField>(g, std::move(xyz)));
  }
  throw core::Error("unsupported transform kind '" + std::string(t->GetNameOfClass()) + "' (" +
                    t->GetTransformTypeAsString() +
                    "): linear, displacement field and composite transforms are read");
}

void leaves(const ItkTransform* t, std::vector<const ItkTransform*>& out) {
  if (const auto* composite = dynamic_cast<const Composite*>(t)) {
    for (unsigned i = 0; i < composite->GetNumberOfTransforms(); ++i)
      leaves(composite->GetNthTransformConstPointer(i), out);
  } else {
    out.push_back(t);
  }
}

// ITK's text reader accepts a Parameters line with too few numbers (and reads past it), so a
// truncated or hand-edited .tfm is checked here: each transform's parameter counts must match.
void checkTextCounts(const fs::path& file, const ItkTransform* t) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext != ".tfm" && ext != ".txt") return;
  std::vector<const ItkTransform*> list;
  leaves(t, list);
  std::ifstream in(file);
  std::vector<std::size_t> params, fixedParams;
  std::string line;
  while (std::getline(in, line)) {
    const bool fixed = line.rfind("FixedParameters:", 0) == 0;
    if (!fixed && line.rfind("Parameters:", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::size_t n = 0;
    std::string w;
    while (words >> w) ++n;
    (fixed ? fixedParams : params).push_back(n);
  }
  if (params.size() != list.size() || fixedParams.size() != list.size())
    throw core::Error("the file lists " + std::to_string(params.size()) + " parameter lines for " +
                      std::to_string(list.size()) + " transforms (truncated or edited?)");
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (params[i] != list[i]->GetNumberOfParameters() ||
        fixedParams[i] != list[i]->GetFixedParameters().size())
      throw core::Error("transform " + std::to_string(i) + " (" + list[i]->GetNameOfClass() +
                        ") has " + std::to_string(params[i]) + " parameters and " +
                        std::to_string(fixedParams[i]) + " fixed parameters; expected " +
                        std::to_string(list[i]->GetNumberOfParameters()) + " and " +
                        std::to_string(list[i]->GetFixedParameters().size()) +
                        " (truncated or edited?)");
  }
}

}  // namespace

void writeTransform(const Transform& transform, const fs::path& file) {
  registerFactories();
  try {
    if (!knownExtension(file))
      throw core::Error("unknown transform file type (use .tfm, .txt, .h5 or .mat)");
    const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    if (!fs::is_directory(dir)) throw core::Error("the folder " + dir.string() + " does not exist");
    ItkTransform::Pointer out;
    const auto& stages = transform.stages();
    if (stages.size() <= 1) {
      out = stages.empty() ? toItk(Affine::identity()) : toItk(stages.front());
    } else {
      Composite::Pointer c = Composite::New();
      for (std::size_t i = stages.size(); i-- > 0;) c->AddTransform(toItk(stages[i]));
      out = c.GetPointer();
    }
    if (file.extension() == ".mat" && stages.size() > 1)
      throw core::Error(".mat files hold one linear transform; use .h5 for a chain");
    // Same extension on the temporary: ITK picks the writer by it.
    const fs::path tmp = dir / ("." + file.stem().string() + ".tmp-" + randomTag() +
                                file.extension().string());
    try {
      auto writer = itk::TransformFileWriterTemplate<double>::New();
      writer->SetFileName(tmp.string());
      writer->SetInput(out);
      writer->Update();
    } catch (const itk::ExceptionObject& e) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw core::Error(std::string("ITK: ") + e.GetDescription());
    }
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) {
      fs::remove(tmp, ec);
      throw core::Error("cannot rename the temporary file into place: " + ec.message());
    }
  } catch (core::Error& e) {
    throw e.addContext("writing transform file " + file.string());
  }
}

Transform readTransform(const fs::path& file) {
  registerFactories();
  try {
    std::error_code ec;
    if (!fs::exists(file, ec)) throw core::Error("the file does not exist");
    if (fs::is_directory(file, ec)) throw core::Error("this is a folder, not a transform file");
    if (!knownExtension(file))
      throw core::Error("unknown transform file type (expected .tfm, .txt, .h5 or .mat)");
    if (fs::file_size(file, ec) == 0) throw core::Error("the file is empty");
    auto reader = itk::TransformFileReaderTemplate<double>::New();
    reader->SetFileName(file.string());
    try {
      reader->Update();
    } catch (const itk::ExceptionObject& e) {
      throw core::Error(std::string("not a readable ITK transform file: ") + e.GetDescription());
    } catch (const std::exception& e) {
      // ITK's text parser throws std:: exceptions on some malformed lines.
      throw core::Error(std::string("not a readable ITK transform file (") + e.what() + ")");
    }
    const auto* list = reader->GetTransformList();
    if (!list || list->empty()) throw core::Error("the file holds no transform");
    if (list->size() > 1)
      throw core::Error("the file holds " + std::to_string(list->size()) +
                        " separate transforms; expected one (a chain is one CompositeTransform)");
    const auto* t = dynamic_cast<const ItkTransform*>(list->front().GetPointer());
    if (!t) throw core::Error("the transform is not a 3D transform");
    checkTextCounts(file, t);
    return fromItk(t, file);
  } catch (core::Error& e) {
    throw e.addContext("reading transform file " + file.string());
  }
}

}  // namespace fw::registration
