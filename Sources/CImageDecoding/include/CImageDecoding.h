#ifndef LOUPE_IMAGE_DECODING_H
#define LOUPE_IMAGE_DECODING_H

#include <stddef.h>

/// A decoded image: 8-bit samples, row after row, `channels` interleaved samples per pixel
/// (1: grey, 3: RGB). Release `pixels` with `loupe_image_free`.
typedef struct {
    unsigned char *pixels;
    int width;
    int height;
    int channels;
} loupe_image;

/// Decodes the JPEG (baseline or progressive, grey or colour) or PNG (any bit depth, grey,
/// grey+alpha, RGB, RGBA or palette, interlaced or not) held in `bytes`, chosen by its
/// signature. Alpha is dropped, 16-bit samples keep their high byte, palettes are expanded
/// to RGB. Any warning of the decoder (corrupt or truncated data) is an error.
///
/// Returns 0 and fills `image` on success. On failure returns -1, leaves `image.pixels` NULL
/// and writes a one-line message into `error` (at most `error_size` bytes, terminated).
/// Images of more than `max_bytes` decoded bytes are refused before anything is allocated.
int loupe_image_decode(const unsigned char *bytes, size_t count, size_t max_bytes, loupe_image *image,
                       char *error, size_t error_size);

/// Frees what `loupe_image_decode` allocated.
void loupe_image_free(loupe_image *image);

#endif
