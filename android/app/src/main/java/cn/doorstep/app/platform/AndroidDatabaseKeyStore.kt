//! The database key as the shared screens and the background sync get it.
package cn.doorstep.app.platform

import android.content.Context
import cn.doorstep.app.DatabaseKey
import cn.doorstep.platform.DatabaseKeyStore

/** The 32-byte key kept wrapped by an Android Keystore key ([DatabaseKey]). */
class AndroidDatabaseKeyStore(context: Context) : DatabaseKeyStore {
    private val context = context.applicationContext

    override fun key(): ByteArray = DatabaseKey.get(context)
}
