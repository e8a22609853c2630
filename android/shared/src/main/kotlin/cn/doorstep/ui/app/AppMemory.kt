//! What the shell remembers between runs in its own app-private directory,
//! until the core keeps it in its encrypted store: the visit open on screen
//! (so a restart after the app was killed reopens it and says so). The
//! language and the server address are the core's settings.
package cn.doorstep.ui.app

import java.io.File

/** Small files under [directory]; nothing personal is kept here. */
class AppMemory(private val directory: File) {
    private fun file(name: String) = File(directory, name)
    private fun read(name: String) = file(name).takeIf { it.exists() }?.readText()?.trim()?.takeIf { it.isNotEmpty() }
    private fun write(name: String, value: String?) {
        directory.mkdirs()
        if (value == null) file(name).delete() else file(name).writeText(value)
    }

    /** The visit on screen, cleared when the worker leaves it. */
    var openVisit: String?
        get() = read("open-visit")
        set(value) = write("open-visit", value)
}
