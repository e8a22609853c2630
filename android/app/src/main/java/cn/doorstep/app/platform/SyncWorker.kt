//! The background sync run that WorkManager starts: one sync of the core on
//! the network the phone is on, without the worker asking (each failed item
//! waits out the core's backoff).
package cn.doorstep.app.platform

import android.content.Context
import androidx.work.CoroutineWorker
import androidx.work.WorkerParameters
import cn.doorstep.app.AppServices
import cn.doorstep.core.DoorstepException
import cn.doorstep.core.NetworkState
import cn.doorstep.core.SyncCancel
import kotlinx.coroutines.CancellationException
import java.security.GeneralSecurityException

/**
 * Runs one background sync. Asks WorkManager to run again later (with its
 * backoff) while items still wait or the server could not be reached;
 * stopped by WorkManager, it cancels the sync so nothing is half sent.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        SyncCancel().use { cancel ->
            return try {
                val core = AppServices.core(applicationContext)
                if (core.currentAccount() == null) return Result.success()
                val network = AppServices.network(applicationContext).state.value
                if (network == NetworkState.OFFLINE) return Result.retry()
                core.setNetwork(network)
                val result = core.sync(false, null, cancel)
                AppServices.dataChanged()
                if (result.pending > 0uL) Result.retry() else Result.success()
            } catch (e: CancellationException) {
                cancel.cancel()
                throw e
            } catch (e: GeneralSecurityException) {
                // The Keystore cannot unwrap the key: the app says why when opened.
                Result.failure()
            } catch (e: DoorstepException) {
                when (e) {
                    // Signed out meanwhile: the next sign-in schedules again.
                    is DoorstepException.NotSignedIn -> Result.success()
                    // Trying again cannot help a store that cannot be read; the app says why when opened.
                    is DoorstepException.WrongKey, is DoorstepException.DatabaseDamaged, is DoorstepException.NewerDatabase ->
                        Result.failure()
                    // Unreachable or refusing server, a full disk: later, with backoff.
                    else -> Result.retry()
                }
            }
        }
    }

    companion object {
        /** The one background sync job's name. */
        const val UNIQUE_NAME = "doorstep-sync"
    }
}
