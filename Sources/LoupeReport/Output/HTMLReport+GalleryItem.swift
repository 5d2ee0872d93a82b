extension HTMLReport {
    /// An image in a gallery, with lines of caption beneath it and an optional badge in
    /// its corner, such as a flag for an example a compressed model gets wrong.
    public struct GalleryItem: Sendable {
        public var image: PNGImage
        /// Caption lines, first one also used as the image's alternative text.
        public var captionLines: [String]
        public var badge: String?

        public init(image: PNGImage, captionLines: [String] = [], badge: String? = nil) {
            self.image = image
            self.captionLines = captionLines
            self.badge = badge
        }
    }
}
