// Glue between search and Python, shared by the search bindings: configs
// built from keyword arguments, and a Python evaluator seen as the
// evaluate(inputs, rows, policies, values) callback that search calls with
// the GIL released.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

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

// Calls `evaluator(inputs)` with inputs a float32 array (rows, planes, N, N)
// that shares search's buffer (valid only during the call), and expects
// (policies, values): policies (rows, num_actions) non-negative weights (a
// softmax, say) and values (rows,) in [-1, 1] for the player to move. Any
// array-like works (numpy, torch CPU tensors, lists).
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
    if (p.ndim() != 2 || p.shape(0) != rows || p.shape(1) != num_actions_)
      throw py::value_error("evaluator policies must have shape (" + std::to_string(rows) + ", " +
                            std::to_string(num_actions_) + "), got " + shape_text(p));
    if (v.size() != rows)
      throw py::value_error("evaluator values must have " + std::to_string(rows) + " entries (one per row), got " +
                            shape_text(v));
    std::memcpy(policies, p.data(), sizeof(float) * rows * num_actions_);
    std::memcpy(values, v.data(), sizeof(float) * rows);
  }

 private:
  static std::string shape_text(const py::array& a) { return py::str(a.attr("shape")).cast<std::string>(); }

  py::object evaluator_;
  int planes_, size_, num_actions_;
};

}  // namespace arena::search::python
