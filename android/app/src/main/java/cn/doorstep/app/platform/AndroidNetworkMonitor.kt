//! The network the phone is on, from the platform's default-network
//! callback, in the four states the core knows.
package cn.doorstep.app.platform

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import android.net.NetworkCapabilities
import cn.doorstep.core.NetworkState
import cn.doorstep.platform.NetworkMonitor
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow

/**
 * Follows the default network for the life of the process (one per process:
 * the screens and the background sync read the same one). Its first state is
 * read at once, so a background sync started with no screen open knows it.
 */
class AndroidNetworkMonitor(context: Context) : NetworkMonitor {
    private val connectivity = context.applicationContext.getSystemService(ConnectivityManager::class.java)
    private val mutable = MutableStateFlow(stateOf(connectivity.activeNetwork))
    override val state: StateFlow<NetworkState> = mutable.asStateFlow()

    init {
        connectivity.registerDefaultNetworkCallback(
            object : ConnectivityManager.NetworkCallback() {
                // Android 7 does not always follow onAvailable with the capabilities.
                override fun onAvailable(network: Network) {
                    mutable.value = stateOf(network)
                }

                override fun onCapabilitiesChanged(network: Network, capabilities: NetworkCapabilities) {
                    mutable.value = networkState(capabilities)
                }

                override fun onLost(network: Network) {
                    mutable.value = NetworkState.OFFLINE
                }
            },
        )
    }

    private fun stateOf(network: Network?): NetworkState =
        network?.let { connectivity.getNetworkCapabilities(it) }?.let(::networkState) ?: NetworkState.OFFLINE
}

/**
 * The core's network state of a network's capabilities: cellular is
 * cellular; any other unmetered network (Wi-Fi, Ethernet) counts as Wi-Fi,
 * and a metered one (a phone's hotspot) as metered. A network without
 * internet is offline. "Validated" is not required: Android checks it
 * against servers that networks in China often cannot reach.
 */
internal fun networkState(capabilities: NetworkCapabilities): NetworkState = when {
    !capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_INTERNET) -> NetworkState.OFFLINE
    capabilities.hasTransport(NetworkCapabilities.TRANSPORT_CELLULAR) -> NetworkState.CELLULAR
    capabilities.hasCapability(NetworkCapabilities.NET_CAPABILITY_NOT_METERED) -> NetworkState.WIFI
    else -> NetworkState.METERED
}
