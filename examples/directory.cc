// Directory layer: name key spaces by path ("app", "users") and get short prefixes back;
// byte-compatible with FoundationDB's directory layer.
#include <strata/directory.h>
#include <strata/kv.h>
#include <strata/tuple.h>

#include <cstdio>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::DirectoryLayer directories;

  strata::DirectorySubspace users =
      directories.createOrOpen(db, strata::parseDirectoryPath("app/users"));
  strata::DirectorySubspace orders =
      directories.createOrOpen(db, strata::parseDirectoryPath("app/orders"));

  // Keys are the directory's short prefix + a tuple.
  db.run([&](strata::Transaction& tr) {
    tr.set(users.pack(strata::Tuple{42}), "alice");
    tr.set(orders.pack(strata::Tuple{42, 1}), "book");
  });
  auto name =
      db.read([&](strata::Transaction& tr) { return tr.get(users.pack(strata::Tuple{42})); });
  std::printf("user 42 = %s (prefix is %zu bytes)\n", name->c_str(), users.key().size());

  for (const auto& child : directories.list(db, {"app"})) std::printf("app/%s\n", child.c_str());

  // Opening a directory that does not exist is an error with its own code.
  try {
    (void)directories.open(db, {"app", "nope"});
    return 1;
  } catch (const strata::Error& e) {
    std::printf("expected error: %s (%d)\n", e.name(), e.code());
    if (e.errorCode() != strata::ErrorCode::directory_does_not_exist) return 1;
  }
  return *name == "alice" && directories.list(db, {"app"}).size() == 2 ? 0 : 1;
}
