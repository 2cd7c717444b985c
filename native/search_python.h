// Glue between search and Python, shared by the search bindings: configs
// built from keyword arguments, and a Python evaluator seen as the
// evaluate(inputs, rows, policies, values) callback that search calls with
// the GIL released.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace arena::search::python {

namespace py = pybind11;

// The public attribute names of a bound config object: its settings.
inline std::vector<std::string> setting_names(const py::object& config) {
  std::vector<std::string> names;
  for (py::handle name : py::module_::import("builtins").attr("dir")(config)) {
    const auto text = name.cast<std::string>();
    if (text[0] != '_') names.push_back(text);
  }
  return names;
}

// A Config (a class bound with a field per setting) from the keyword
// arguments naming its settings; those are removed from `kwargs`.
template <class Config>
Config take_config(py::dict& kwargs, std::vector<std::string>& known) {
  py::object config = py::cast(Config{});
  for (const std::string& name : setting_names(config)) {
    known.push_back(name);
    if (kwargs.contains(name)) config.attr(name.c_str()) = kwargs.attr("pop")(name);
  }
  Config result = config.cast<Config>();
  result.validate();
  return result;
}

// ValueError naming the keyword arguments nobody took, and the valid ones.
inline void reject_unknown(const py::dict& kwargs, const std::string& owner, const std::vector<std::string>& known) {
  if (kwargs.empty()) return;
  std::string unknown, valid;
  for (auto item : kwargs) unknown += (unknown.empty() ? "" : ", ") + item.first.cast<std::string>();
  for (const std::string& name : known) valid += (valid.empty() ? "" : ", ") + name;
  throw py::value_error(owner + ": unknown argument(s) " + unknown + "; valid ones are " + valid);
}

// 1 for a NaN or infinity (its exponent bits all ones), else 0: no branch,
// so that loops over many floats vectorise.
inline uint32_t non_finite(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
}

// Copies `count` floats and says whether all are finite, in one pass:
// checking costs what the copy does.
inline bool copy_finite(const float* from, float* to, size_t count) {
  uint32_t bad = 0;
  for (size_t i = 0; i < count; ++i) bad |= non_finite(to[i] = from[i]);
  return bad == 0;
}

// Whether all of `count` floats are finite.
inline bool all_finite(const float* data, size_t count) {
  uint32_t bad = 0;
  for (size_t i = 0; i < count; ++i) bad |= non_finite(data[i]);
  return bad == 0;
}

// ValueError for the first NaN or infinite entry of `data`, rows x `width`
// floats (width 1: one per row), naming `field`, the row and the column.
[[noreturn]] inline void reject_non_finite(const std::string& field, const float* data, int rows, int width) {
  for (size_t i = 0; i < static_cast<size_t>(rows) * width; ++i) {
    if (std::isfinite(data[i])) continue;
    const int row = static_cast<int>(i / width), column = static_cast<int>(i % width);
    throw py::value_error(field + ": row " + std::to_string(row) + " of " + std::to_string(rows) +
                          (width > 1 ? ", action " + std::to_string(column) : std::string()) + " is " +
                          py::repr(py::float_(data[i])).cast<std::string>() +
                          "; policies and values must be finite numbers (did the network diverge?)");
  }
  throw py::value_error(field + ": an entry is not a finite number");
}

// Calls `evaluator(inputs)` with inputs a float32 array (rows, planes, N, N)
// that shares search's buffer (valid only during the call), and expects
// (policies, values): policies (rows, num_actions) non-negative weights (a
// softmax, say) and values (rows,) in [-1, 1] for the player to move. Any
// array-like works (numpy, torch CPU tensors, lists). A NaN or infinity
// anywhere in them is refused (ValueError), never stored in the tree.
class Evaluator {
 public:
  Evaluator(py::object evaluator, int planes, int size, int num_actions)
      : evaluator_(std::move(evaluator)), planes_(planes), size_(size), num_actions_(num_actions) {}

  void operator()(const float* inputs, int rows, float* policies, float* values) const {
    py::gil_scoped_acquire gil;
    const py::capsule borrowed(inputs, [](void*) {});  // search owns the memory
    py::array_t<float> batch({rows, planes_, size_, size_}, inputs, borrowed);
    const py::object result = evaluator_(batch);
    if (!py::isinstance<py::sequence>(result) || py::len(result) != 2)
      throw py::value_error("evaluator must return (policies, values), got " + py::repr(result).cast<std::string>());
    const auto pair = result.cast<py::sequence>();
    using Floats = py::array_t<float, py::array::c_style | py::array::forcecast>;
    const Floats p(pair[0]), v(pair[1]);
    const int squares = size_ * size_;
    // A network of the board's squares alone (rlscout's for Othello): the pass, the last action, gets
    // weight 0; the rules alone play it, when it is the only move.
    const bool without_pass = num_actions_ == squares + 1 && p.ndim() == 2 && p.shape(1) == squares;
    if (p.ndim() != 2 || p.shape(0) != rows || (p.shape(1) != num_actions_ && !without_pass))
      throw py::value_error("evaluator policies must have shape (" + std::to_string(rows) + ", " +
                            std::to_string(num_actions_) + "), got " + shape_text(p));
    if (v.size() != rows)
      throw py::value_error("evaluator values must have " + std::to_string(rows) + " entries (one per row), got " +
                            shape_text(v));
    const int columns = static_cast<int>(p.shape(1));
    for (int row = 0; row < rows; ++row) {
      float* into = policies + static_cast<size_t>(row) * num_actions_;
      if (!copy_finite(p.data() + static_cast<size_t>(row) * columns, into, static_cast<size_t>(columns)))
        reject_non_finite("evaluator policies", p.data(), rows, columns);
      if (without_pass) into[squares] = 0.0f;
    }
    if (!copy_finite(v.data(), values, static_cast<size_t>(rows)))
      reject_non_finite("evaluator values", v.data(), rows, 1);
  }

 private:
  static std::string shape_text(const py::array& a) { return py::str(a.attr("shape")).cast<std::string>(); }

  py::object evaluator_;
  int planes_, size_, num_actions_;
};

}  // namespace arena::search::python
