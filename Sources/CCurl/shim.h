#ifndef VTOP_CCURL_SHIM_H
#define VTOP_CCURL_SHIM_H

// Typed wrappers over libcurl's variadic entry points. Swift cannot call C variadic functions, so
// every curl_easy_setopt / curl_easy_getinfo shape the client needs gets one inline function here,
// named after the type of its argument.

#include <curl/curl.h>

static inline CURLcode vtop_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vtop_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vtop_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vtop_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode vtop_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// Passes certificate or key bytes in memory (CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB,
/// CURLOPT_CAINFO_BLOB). CURL_BLOB_COPY makes libcurl keep its own copy, so the caller's buffer may
/// be freed at once and no secret ever touches the file system.
static inline CURLcode vtop_curl_setopt_blob(CURL *handle, CURLoption option, const void *data, size_t length) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = length;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(handle, option, &blob);
}

typedef size_t (*vtop_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode vtop_curl_setopt_write_function(CURL *handle, vtop_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

static inline CURLcode vtop_curl_setopt_header_function(CURL *handle, vtop_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

static inline CURLcode vtop_curl_setopt_read_function(CURL *handle, vtop_curl_data_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}

typedef int (*vtop_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                           curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode vtop_curl_setopt_xferinfo_function(CURL *handle, vtop_curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}

/// curl_version_info(CURLVERSION_NOW); the macro does not import into Swift.
static inline curl_version_info_data *vtop_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}

static inline CURLcode vtop_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode vtop_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode vtop_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
