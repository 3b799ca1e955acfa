// Blob layer: store a value larger than the 100,000-byte value limit, read part of it back.
#include <strata/kv.h>
#include <strata/layers/blob.h>
#include <strata/tuple.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::layers::Blob photo(strata::Subspace(strata::Tuple{"example", "blob", "photo.jpg"}));

  std::string data(300'000, 'x');  // three times the largest single value
  data.replace(150'000, 5, "HELLO");

  photo.write(db, 0, data);         // one transaction; chunked into 64 KiB values
  photo.append(db, "-and-a-tail");  // appends are transactions too

  int64_t size = photo.size(db);
  std::string middle = photo.read(db, 150'000, 5);
  std::printf("size %lld, bytes at 150000: %s\n", static_cast<long long>(size), middle.c_str());

  // Streaming, for blobs too large for one transaction: a reader yields chunks in order.
  strata::layers::BlobReader reader(db, photo);
  int64_t streamed = 0;
  while (auto chunk = reader.next()) streamed += static_cast<int64_t>(chunk->size());
  std::printf("streamed %lld bytes\n", static_cast<long long>(streamed));

  photo.remove(db);
  return size == 300'011 && middle == "HELLO" && streamed == size && photo.size(db) == 0 ? 0 : 1;
}
