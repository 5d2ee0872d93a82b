// JPEG and PNG decoding through libjpeg-turbo and libpng, with every error returned as a
// message. Both libraries report errors through a callback that must not return; here it
// longjmps back to the decode call, which Swift cannot do itself (it cannot call setjmp).
#include "CImageDecoding.h"

#include <setjmp.h>
#include <stdio.h>  // before jpeglib.h, which uses FILE
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

static int fail(char *error, size_t error_size, const char *message) {
    snprintf(error, error_size, "%s", message);
    return -1;
}

static int check_size(int width, int height, int channels, size_t max_bytes, char *error, size_t error_size) {
    if (width <= 0 || height <= 0) return fail(error, error_size, "image has an empty dimension");
    size_t bytes = (size_t)width * (size_t)height * (size_t)channels;
    if (bytes / (size_t)height / (size_t)channels != (size_t)width || bytes > max_bytes) {
        snprintf(error, error_size, "image of %d x %d x %d is over the memory budget", width, height, channels);
        return -1;
    }
    return 0;
}

// MARK: JPEG

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_failure;

static void jpeg_fail(j_common_ptr info) {
    jpeg_failure *failure = (jpeg_failure *)info->err;
    info->err->format_message(info, failure->message);
    longjmp(failure->jump, 1);
}

// Warnings (level -1: corrupt data, premature end of file) are errors too; trace messages
// (level >= 0) are ignored.
static void jpeg_message(j_common_ptr info, int level) {
    if (level < 0) jpeg_fail(info);
}

static int decode_jpeg(const unsigned char *bytes, size_t count, size_t max_bytes, loupe_image *image, char *error,
                       size_t error_size) {
    struct jpeg_decompress_struct info;
    jpeg_failure failure;
    unsigned char *volatile pixels = NULL;
    info.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_message;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&info);
        free(pixels);
        snprintf(error, error_size, "corrupt JPEG: %s", failure.message);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, bytes, (unsigned long)count);
    jpeg_read_header(&info, TRUE);
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        jpeg_destroy_decompress(&info);
        return fail(error, error_size, "a CMYK JPEG (a print colour space); convert it to RGB");
    }
    info.out_color_space = info.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_calc_output_dimensions(&info);
    int width = (int)info.output_width, height = (int)info.output_height, channels = info.output_components;
    if (check_size(width, height, channels, max_bytes, error, error_size) != 0) {
        jpeg_destroy_decompress(&info);
        return -1;
    }
    jpeg_start_decompress(&info);
    pixels = malloc((size_t)width * height * channels);
    if (!pixels) {
        jpeg_destroy_decompress(&info);
        return fail(error, error_size, "out of memory");
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + (size_t)info.output_scanline * width * channels;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    *image = (loupe_image){pixels, width, height, channels};
    return 0;
}

// MARK: PNG

typedef struct {
    const unsigned char *bytes;
    size_t count;
    size_t offset;
    char message[256];
} png_source;

static void png_read_memory(png_structp png, png_bytep output, size_t length) {
    png_source *source = png_get_io_ptr(png);
    if (length > source->count - source->offset) png_error(png, "file is truncated");
    memcpy(output, source->bytes + source->offset, length);
    source->offset += length;
}

static void png_fail(png_structp png, png_const_charp message) {
    png_source *source = png_get_error_ptr(png);
    snprintf(source->message, sizeof source->message, "%s", message);
    png_longjmp(png, 1);
}

// A CRC error in an ancillary chunk is only a warning to libpng; any damage is an error here.
static void png_warn(png_structp png, png_const_charp message) { png_fail(png, message); }

static int decode_png(const unsigned char *bytes, size_t count, size_t max_bytes, loupe_image *image, char *error,
                      size_t error_size) {
    png_source source = {bytes, count, 0, ""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, png_fail, png_warn);
    if (!png) return fail(error, error_size, "out of memory");
    png_infop info = png_create_info_struct(png);
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return fail(error, error_size, "out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pixels);
        free(rows);
        snprintf(error, error_size, "corrupt PNG: %s", source.message);
        return -1;
    }
    png_set_read_fn(png, &source, png_read_memory);
    png_read_info(png, info);
    int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);
    if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int width = (int)png_get_image_width(png, info), height = (int)png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    if (channels != 1 && channels != 3) {
        png_destroy_read_struct(&png, &info, NULL);
        return fail(error, error_size, "unsupported PNG channel layout");
    }
    if (check_size(width, height, channels, max_bytes, error, error_size) != 0) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    pixels = malloc((size_t)width * height * channels);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!pixels || !rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = pixels + (size_t)y * width * channels;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *image = (loupe_image){pixels, width, height, channels};
    return 0;
}

int loupe_image_decode(const unsigned char *bytes, size_t count, size_t max_bytes, loupe_image *image,
                       char *error, size_t error_size) {
    *image = (loupe_image){NULL, 0, 0, 0};
    static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (count >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
        return decode_jpeg(bytes, count, max_bytes, image, error, error_size);
    if (count >= 8 && memcmp(bytes, png_signature, 8) == 0)
        return decode_png(bytes, count, max_bytes, image, error, error_size);
    return fail(error, error_size, count == 0 ? "empty file, not a JPEG or PNG image"
                                              : "not a JPEG or PNG image (no JPEG or PNG signature)");
}

void loupe_image_free(loupe_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
