import Hummingbird
import LoupeReview

/// `loupe review`: serves the review page and its API over the verdict store.
public enum ReviewServer {}
