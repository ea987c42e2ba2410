// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.28;

/// @title IERC20Minimal
/// @notice The part of ERC-20 the escrow uses. Calls are made low-level (see
///         `InferenceEscrow._tokenCall`), so tokens that return no value work too.
interface IERC20Minimal {
    /// @notice The balance of `owner`.
    /// @param owner The account.
    /// @return The balance.
    function balanceOf(address owner) external view returns (uint256);

    /// @notice Moves `amount` from the caller to `to`.
    /// @param to The receiver.
    /// @param amount The amount.
    /// @return Whether it succeeded.
    function transfer(address to, uint256 amount) external returns (bool);

    /// @notice Moves `amount` from `from` to `to` using the caller's allowance.
    /// @param from The owner.
    /// @param to The receiver.
    /// @param amount The amount.
    /// @return Whether it succeeded.
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}
