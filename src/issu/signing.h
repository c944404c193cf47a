// Ed25519 keys and detached signatures (libsodium), and SHA-256 of files.
//
// Key files are one line of text: "hitless-ed25519-public <hex>" or "hitless-ed25519-secret
// <hex>". The secret file is written 0600. A key id is the first 8 bytes (hex) of the SHA-256 of
// the public key, printed so an operator can tell which key signed an image.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace hitless::issu {

struct PublicKey {
  std::string bytes;  // 32 bytes
  std::string keyId() const;
};

struct SecretKey {
  std::string bytes;  // 64 bytes (libsodium's seed || public key form)
  PublicKey publicKey() const;
};

// Makes a fresh key pair and writes DIR/NAME.key (0600) and DIR/NAME.pub. Refuses to overwrite
// an existing key unless `overwrite` (a lost signing key cannot be recovered).
Status generateKeyPair(const std::string& dir, const std::string& name, bool overwrite);

Result<PublicKey> loadPublicKey(const std::string& path);
Result<SecretKey> loadSecretKey(const std::string& path);

std::string sign(const SecretKey& key, std::string_view message);  // 64-byte signature
bool verifySignature(const PublicKey& key, std::string_view message, std::string_view signature);

// Lowercase hex SHA-256 of a file's bytes, and its size.
struct FileDigest {
  std::string sha256;
  uint64_t size = 0;
};
Result<FileDigest> digestFile(const std::string& path);
std::string sha256(std::string_view bytes);  // raw 32 bytes

}  // namespace hitless::issu
