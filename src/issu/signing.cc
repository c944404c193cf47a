#include "issu/signing.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "base/file_util.h"

namespace hitless::issu {
namespace {

constexpr std::string_view kPublicTag = "hitless-ed25519-public ";
constexpr std::string_view kSecretTag = "hitless-ed25519-secret ";

void ensureSodium() {
  // sodium_init is idempotent and thread-safe; it fails only without an entropy source.
  if (sodium_init() < 0) abort();
}

Result<std::string> loadKeyBytes(const std::string& path, std::string_view tag, size_t size) {
  ASSIGN_OR_RETURN(std::string text, readFile(path, 4096));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.compare(0, tag.size(), tag) != 0) {
    return Status::corruption(path + " is not a hitless " +
                              std::string(tag.substr(8, tag.size() - 9)) + " key file");
  }
  auto bytes = fromHex(std::string_view(text).substr(tag.size()));
  if (!bytes.isOk() || bytes->size() != size) {
    return Status::corruption(path + ": key is not " + std::to_string(size) + " bytes of hex");
  }
  return bytes;
}

}  // namespace

std::string PublicKey::keyId() const { return toHex(sha256(bytes).substr(0, 8)); }

PublicKey SecretKey::publicKey() const { return PublicKey{bytes.substr(32, 32)}; }

Status generateKeyPair(const std::string& dir, const std::string& name, bool overwrite) {
  ensureSodium();
  std::string sec_path = dir + "/" + name + ".key";
  std::string pub_path = dir + "/" + name + ".pub";
  if (!overwrite && (pathExists(sec_path) || pathExists(pub_path))) {
    return Status::alreadyExists("a key named '" + name + "' already exists in " + dir +
                                 " (use --force to replace it; the old key will be lost)");
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::ioError("cannot create " + dir + ": " + std::strerror(errno));
  }
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  std::string sk_hex = toHex(std::string_view(reinterpret_cast<char*>(sk), sizeof(sk)));
  sodium_memzero(sk, sizeof(sk));
  RETURN_IF_ERROR(writeFileAtomic(sec_path, std::string(kSecretTag) + sk_hex + "\n", 0600));
  return writeFileAtomic(pub_path,
                         std::string(kPublicTag) +
                             toHex(std::string_view(reinterpret_cast<char*>(pk), sizeof(pk))) +
                             "\n",
                         0644);
}

Result<PublicKey> loadPublicKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, loadKeyBytes(path, kPublicTag, crypto_sign_PUBLICKEYBYTES));
  return PublicKey{std::move(bytes)};
}

Result<SecretKey> loadSecretKey(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, loadKeyBytes(path, kSecretTag, crypto_sign_SECRETKEYBYTES));
  return SecretKey{std::move(bytes)};
}

std::string sign(const SecretKey& key, std::string_view message) {
  ensureSodium();
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), reinterpret_cast<const unsigned char*>(key.bytes.data()));
  return std::string(reinterpret_cast<char*>(sig), sizeof(sig));
}

bool verifySignature(const PublicKey& key, std::string_view message, std::string_view signature) {
  ensureSodium();
  if (signature.size() != crypto_sign_BYTES || key.bytes.size() != crypto_sign_PUBLICKEYBYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(key.bytes.data())) == 0;
}

std::string sha256(std::string_view bytes) {
  // One SHA-256 for the whole tree: OpenSSL's, as digestFile uses (libsodium signs).
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), out, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    return {};
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

Result<FileDigest> digestFile(const std::string& path) {
  // OpenSSL's SHA-256 runs on the CPU's SHA extensions where there are any: a 13 MB rpd image
  // hashes in 7.5 ms instead of libsodium's 32 ms, and chassisd verifies an image (in its event
  // loop) several times per ISSU step.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::ioError("cannot open " + path + ": " + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    ::close(fd);
    return Status::internal("cannot start a SHA-256 digest (OpenSSL)");
  }
  FileDigest d;
  std::string buf(1 << 20, '\0');
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Status::ioError("cannot read " + path + ": " + std::strerror(errno));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    d.size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out, &len) != 1 || len != 32) {
    return Status::internal("cannot finish a SHA-256 digest (OpenSSL)");
  }
  d.sha256 = toHex(std::string_view(reinterpret_cast<char*>(out), len));
  return d;
}

}  // namespace hitless::issu
