// A stand-in for libFuzzer where clang's fuzzer runtime is missing: runs every file given (or every
// file in a directory given) through LLVMFuzzerTestOneInput, then N seeded random mutations of them
// (bit flips, byte changes, inserts, deletes, splices). Built with ASan + UBSan it finds what a short
// libFuzzer run would, without coverage guidance.
//   rtnet-fuzz-decode [-runs=N] [-seed=S] corpus-dir-or-file...
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {
void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}
std::string Read(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}
}  // namespace

int main(int argc, char** argv) {
  long runs = 10000;
  unsigned long seed = 1;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "-runs=", 6) == 0) { runs = std::atol(argv[i] + 6); continue; }
    if (std::strncmp(argv[i], "-seed=", 6) == 0) { seed = std::strtoul(argv[i] + 6, nullptr, 10); continue; }
    if (argv[i][0] == '-') continue;  // other libFuzzer flags: ignored
    std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) corpus.push_back(Read(entry.path()));
    } else {
      corpus.push_back(Read(path));
    }
  }
  if (corpus.empty()) corpus.emplace_back("{}");
  for (const std::string& input : corpus) Run(input);
  std::mt19937_64 random(seed);
  for (long n = 0; n < runs; ++n) {
    std::string input = corpus[random() % corpus.size()];
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = input.empty() ? 0 : random() % input.size();
      switch (random() % 5) {
        case 0: if (!input.empty()) input[at] = static_cast<char>(input[at] ^ (1 << (random() % 8))); break;
        case 1: if (!input.empty()) input[at] = static_cast<char>(random()); break;
        case 2: input.insert(at, 1, "{}[]\",:0123456789-eE.ntfAZaz+/="[random() % 31]); break;
        case 3: if (!input.empty()) input.erase(at, 1 + random() % 8); break;
        case 4: {
          const std::string& other = corpus[random() % corpus.size()];
          if (!other.empty()) {
            const std::size_t from = random() % other.size();
            input.insert(at, other, from, 1 + random() % 64);
          }
          break;
        }
      }
    }
    Run(input);
  }
  std::printf("rtnet-fuzz-decode (standalone driver): %zu corpus inputs + %ld mutations, seed %lu: no finding\n",
              corpus.size(), runs, seed);
  return 0;
}
