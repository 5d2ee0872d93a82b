import LoupeKernelCore

// The Winograd transforms of F(2 x 2, 3 x 3) (`WinogradTransforms`) and F(4 x 4, 3 x 3)
// (`WinogradF4Transforms`) compiled for AVX-512. Call only after checking the CPU supports it.

/// `WinogradTransforms.transformInput` compiled for AVX-512.
package func avx512WinogradInput(
    _ images: UnsafePointer<Float>, channels: Int, height: Int, width: Int, padding: Int, tileColumns: Int,
    tilesPerImage: Int, tiles: Range<Int>, zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
    matrixStride: Int
) {
    WinogradTransforms<AVX512MultiplyAdd>.transformInput(
        images, channels: channels, height: height, width: width, padding: padding, tileColumns: tileColumns,
        tilesPerImage: tilesPerImage, tiles: tiles, zeros: zeros, into: v, matrixStride: matrixStride)
}

/// `WinogradTransforms.transformOutput` compiled for AVX-512.
package func avx512WinogradOutput(
    _ m: UnsafePointer<Float>, matrixStride: Int, outChannels: Int, tileColumns: Int, tilesPerImage: Int,
    tiles: Range<Int>, outputHeight: Int, outputWidth: Int, bias: UnsafePointer<Float>?,
    into y: UnsafeMutablePointer<Float>
) {
    WinogradTransforms<AVX512MultiplyAdd>.transformOutput(
        m, matrixStride: matrixStride, outChannels: outChannels, tileColumns: tileColumns,
        tilesPerImage: tilesPerImage, tiles: tiles, outputHeight: outputHeight, outputWidth: outputWidth, bias: bias,
        into: y)
}

/// `WinogradTransforms.transformGradient` compiled for AVX-512.
package func avx512WinogradGradient(
    _ g: UnsafePointer<Float>, outChannels: Int, tileColumns: Int, tilesPerImage: Int, tiles: Range<Int>,
    outputHeight: Int, outputWidth: Int, zeros: UnsafePointer<Float>, into m: UnsafeMutablePointer<Float>,
    matrixStride: Int
) {
    WinogradTransforms<AVX512MultiplyAdd>.transformGradient(
        g, outChannels: outChannels, tileColumns: tileColumns, tilesPerImage: tilesPerImage, tiles: tiles,
        outputHeight: outputHeight, outputWidth: outputWidth, zeros: zeros, into: m, matrixStride: matrixStride)
}

/// `WinogradF4Transforms.transformInput` compiled for AVX-512.
package func avx512WinogradF4Input(
    _ images: UnsafePointer<Float>, channels: Int, height: Int, width: Int, padding: Int, tileColumns: Int,
    tilesPerImage: Int, tiles: Range<Int>, zeros: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
    matrixStride: Int
) {
    WinogradF4Transforms<AVX512MultiplyAdd>.transformInput(
        images, channels: channels, height: height, width: width, padding: padding, tileColumns: tileColumns,
        tilesPerImage: tilesPerImage, tiles: tiles, zeros: zeros, into: v, matrixStride: matrixStride)
}

/// `WinogradF4Transforms.transformOutput` compiled for AVX-512.
package func avx512WinogradF4Output(
    _ m: UnsafePointer<Float>, matrixStride: Int, outChannels: Int, tileColumns: Int, tilesPerImage: Int,
    tiles: Range<Int>, outputHeight: Int, outputWidth: Int, bias: UnsafePointer<Float>?,
    into y: UnsafeMutablePointer<Float>
) {
    WinogradF4Transforms<AVX512MultiplyAdd>.transformOutput(
        m, matrixStride: matrixStride, outChannels: outChannels, tileColumns: tileColumns,
        tilesPerImage: tilesPerImage, tiles: tiles, outputHeight: outputHeight, outputWidth: outputWidth, bias: bias,
        into: y)
}

/// `WinogradF4Transforms.transformGradient` compiled for AVX512.
package func avx512WinogradF4Gradient(
    _ g: UnsafePointer<Float>, outChannels: Int, tileColumns: Int, tilesPerImage: Int, tiles: Range<Int>,
    outputHeight: Int, outputWidth: Int, zeros: UnsafePointer<Float>, into m: UnsafeMutablePointer<Float>,
    matrixStride: Int
) {
    WinogradF4Transforms<AVX512MultiplyAdd>.transformGradient(
        g, outChannels: outChannels, tileColumns: tileColumns, tilesPerImage: tilesPerImage, tiles: tiles,
        outputHeight: outputHeight, outputWidth: outputWidth, zeros: zeros, into: m, matrixStride: matrixStride)
}
