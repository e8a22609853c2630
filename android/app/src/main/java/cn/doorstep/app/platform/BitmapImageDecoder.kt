//! The core's JPEG thumbnails as images, decoded by the platform.
package cn.doorstep.app.platform

import android.graphics.BitmapFactory
import androidx.compose.ui.graphics.asImageBitmap
import cn.doorstep.platform.ImageDecoder

/** Decodes with `BitmapFactory`; null when the bytes are not an image. */
val BitmapImageDecoder = ImageDecoder { jpeg ->
    BitmapFactory.decodeByteArray(jpeg, 0, jpeg.size)?.asImageBitmap()
}
